package io.ironfence.spring.aop;

import io.ironfence.Guard;
import io.ironfence.spring.NamedLock;
import io.ironfence.spring.NamedLockRegistry;
import io.ironfence.spring.web.PendingLockRequests;

import org.aopalliance.intercept.MethodInterceptor;
import org.aopalliance.intercept.MethodInvocation;
import org.jspecify.annotations.Nullable;
import org.springframework.aop.support.AopUtils;
import org.springframework.beans.factory.BeanFactory;
import org.springframework.context.expression.BeanFactoryResolver;
import org.springframework.context.expression.MethodBasedEvaluationContext;
import org.springframework.core.DefaultParameterNameDiscoverer;
import org.springframework.core.ParameterNameDiscoverer;
import org.springframework.util.ClassUtils;

import java.lang.reflect.Method;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * Runs an annotated method under its lock. Blocking methods wait (interruptibly, up to the
 * timeout) and release when the method returns or throws. Methods returning a
 * {@link CompletionStage} take the lock without blocking, run once it is granted and release when
 * the stage they return completes; {@code Mono}/{@code Flux} and other reactive types take it on
 * each subscription (see {@link ReactiveLocking}). A nested call for a lock the thread already
 * holds in a compatible mode passes through; read-to-write upgrades fail at once.
 */
final class LockInterceptor implements MethodInterceptor {

    private static final boolean REACTOR_PRESENT =
            ClassUtils.isPresent("reactor.core.publisher.Flux", LockInterceptor.class.getClassLoader());
    /** Spring MVC async requests withdraw the queued calls they started when they time out. */
    private static final boolean SERVLET_WEB_PRESENT =
            ClassUtils.isPresent("org.springframework.web.context.request.async.DeferredResultProcessingInterceptor",
                    LockInterceptor.class.getClassLoader());

    private final LockOperationSource operations;
    private final Supplier<NamedLockRegistry> registry;
    private final @Nullable BeanFactory beanFactory;
    private final ParameterNameDiscoverer parameterNames = new DefaultParameterNameDiscoverer();
    private final @Nullable ReactiveLocking reactive = REACTOR_PRESENT ? new ReactiveLocking() : null;
    /** The JDK proxy whose interfaces callers use, when it was made elsewhere; else null. */
    private final @Nullable Class<?> proxyClass;
    private final LockOrderChecker lockOrder;
    private final ConcurrentHashMap<Method, Plan> plans = new ConcurrentHashMap<>();

    LockInterceptor(LockOperationSource operations, Supplier<NamedLockRegistry> registry, @Nullable BeanFactory beanFactory,
            @Nullable Class<?> proxyClass, LockOrderChecker lockOrder) {
        this.operations = operations;
        this.lockOrder = lockOrder;
        this.proxyClass = proxyClass;
        this.registry = registry;
        this.beanFactory = beanFactory;
    }

    @Override
    public Object invoke(MethodInvocation invocation) throws Throwable {
        Object target = invocation.getThis();
        Class<?> targetClass = target != null ? AopUtils.getTargetClass(target) : null;
        Plan plan = planFor(invocation.getMethod(), targetClass);
        LockOperation operation = plan.operation;
        if (operation == null) {
            return invocation.proceed();
        }
        ResolvedLock lock = plan.lock(registry);
        Object key = operation.key() != null ? evaluateKey(operation, invocation, target, targetClass) : null;
        return switch (plan.kind) {
            case Plan.ASYNC -> invokeAsync(invocation, Acquisition.start(lock.named(), key, operation, lock.timeout()));
            case Plan.REACTIVE -> reactive.invoke(invocation,
                    () -> Acquisition.start(lock.named(), key, operation, lock.timeout()));
            default -> invokeBlocking(invocation, Acquisition.start(lock.named(), key, operation, lock.timeout()));
        };
    }

    /** The plan for a method as invoked on a target class: looked up without allocating, made once. */
    private Plan planFor(Method method, @Nullable Class<?> targetClass) {
        Plan known = Plan.find(plans.get(method), targetClass);
        if (known != null) {
            return known;
        }
        LockOperation operation = operations.operationFor(method, targetClass, proxyClass);
        Class<?> returnType = method.getReturnType();
        int kind = CompletionStage.class.isAssignableFrom(returnType) && returnType.isAssignableFrom(CompletableFuture.class)
                ? Plan.ASYNC : reactive != null && reactive.supports(returnType) ? Plan.REACTIVE : Plan.BLOCKING;
        // Another thread may have added a plan for another target class meanwhile: chain onto the current head.
        return Plan.find(plans.compute(method,
                (m, head) -> Plan.find(head, targetClass) != null ? head : new Plan(targetClass, operation, kind, head)),
                targetClass);
    }

    /**
     * What to do for one method as invoked on one target class (a method declared once may run on
     * several subclasses): its operation, or null for none, and how its result is awaited. A key
     * per call (method, target class) in a map cost an allocation and a {@link Method#equals} on
     * every call; these are chained per {@link Method} instance, which a proxy passes unchanged.
     */
    private static final class Plan {

        static final int BLOCKING = 0;
        static final int ASYNC = 1;
        static final int REACTIVE = 2;

        final @Nullable Class<?> targetClass;
        final @Nullable LockOperation operation;
        final int kind;
        final @Nullable Plan next;
        /** Resolved on the first call, not at start-up: the registry creates undeclared locks on first use. */
        private volatile @Nullable ResolvedLock lock;

        Plan(@Nullable Class<?> targetClass, @Nullable LockOperation operation, int kind, @Nullable Plan next) {
            this.targetClass = targetClass;
            this.operation = operation;
            this.kind = kind;
            this.next = next;
        }

        /** @return the plan for the target class in the chain from {@code head}, or null */
        static @Nullable Plan find(@Nullable Plan head, @Nullable Class<?> targetClass) {
            Plan plan = head;
            while (plan != null && plan.targetClass != targetClass) {
                plan = plan.next;
            }
            return plan;
        }

        /** A registry never replaces a name's lock, so a racing second resolution finds the same. */
        ResolvedLock lock(Supplier<NamedLockRegistry> registry) {
            ResolvedLock resolved = lock;
            if (resolved == null) {
                NamedLock named = registry.get().get(operation.name());
                resolved = new ResolvedLock(named,
                        operation.timeout() != null ? operation.timeout() : named.getTimeout().orElse(null));
                lock = resolved;
            }
            return resolved;
        }
    }

    /** A plan's lock, and the timeout its calls wait: the annotation's, else the lock's default, else none. */
    private record ResolvedLock(NamedLock named, @Nullable Duration timeout) {
    }

    private Object invokeBlocking(MethodInvocation invocation, Acquisition acquisition) throws Throwable {
        try {
            HeldLocks held = HeldLocks.current();
            if (passesThrough(acquisition, held)) {
                return invocation.proceed();
            }
            if (held.size() > 0 && !lockOrder.isOff()) {
                lockOrder.check(held, acquisition.lockName(), acquisition.description()); // nested: before waiting
            }
            Guard<?> guard = acquisition.acquire();
            held.push(acquisition, guard);
            Object result = null;
            Throwable failure = null;
            try {
                result = invocation.proceed();
            } catch (Throwable bodyFailure) {
                failure = bodyFailure;
            }
            held.pop(); // before the release, which may run a granted async body on this thread
            // A cluster hold lost while the body ran is found for sure here (see ClusterGuard.release).
            RuntimeException lost = acquisition.releaseChecked(guard);
            if (failure != null) {
                if (lost != null) {
                    failure.addSuppressed(lost);
                }
                throw failure;
            }
            if (lost != null) {
                throw lost; // what the body did may have raced with another holder: the caller must know
            }
            return result;
        } finally {
            acquisition.finish();
        }
    }

    private Object invokeAsync(MethodInvocation invocation, Acquisition acquisition) throws Throwable {
        HeldLocks held = HeldLocks.current();
        boolean passThrough;
        try {
            passThrough = passesThrough(acquisition, held);
        } catch (RuntimeException e) {
            acquisition.finish();
            throw e;
        }
        if (passThrough) {
            acquisition.finish();
            return invocation.proceed();
        }
        Thread caller = Thread.currentThread();
        CompletableFuture<Object> result = new CompletableFuture<>();
        CompletableFuture<? extends Guard<?>> pending = acquisition.acquireAsync();
        pending.whenComplete((guard, failure) -> {
            if (failure != null) {
                acquisition.finish();
                result.completeExceptionally(acquisition.translate(failure));
            } else if (result.isDone()) {
                acquisition.release(guard); // the caller cancelled the result as the lock came
            } else {
                acquisition.describe(guard);
                runAsyncBody(invocation, acquisition, guard, result, Thread.currentThread() != caller);
            }
        });
        // Cancelling the caller's stage withdraws a request still waiting (a grant racing with it is
        // released above). Once the body runs, its own stage decides when the lock is released.
        result.whenComplete((value, failure) -> {
            if (result.isCancelled()) {
                pending.cancel(false);
            }
        });
        if (SERVLET_WEB_PRESENT && !pending.isDone()) {
            PendingLockRequests.track(result); // queued: withdrawn if the web request ends first
        }
        return result;
    }

    private static void runAsyncBody(MethodInvocation invocation, Acquisition acquisition, Guard<?> guard,
            CompletableFuture<Object> result, boolean foreignThread) {
        CompletionStage<?> stage;
        try {
            HeldLocks.ThrowingSupplier<Object> body = () -> {
                HeldLocks held = HeldLocks.current();
                held.push(acquisition, guard);
                try {
                    return invocation.proceed();
                } finally {
                    held.pop();
                }
            };
            // A granting thread other than the caller may be inside annotated methods of its own.
            stage = (CompletionStage<?>) (foreignThread ? HeldLocks.isolated(body) : body.get());
        } catch (Throwable e) {
            acquisition.release(guard);
            result.completeExceptionally(e);
            return;
        }
        if (stage == null) {
            acquisition.release(guard);
            result.complete(null);
            return;
        }
        stage.whenComplete((value, failure) -> {
            RuntimeException lost = acquisition.releaseChecked(guard);
            Throwable cause = failure instanceof CompletionException && failure.getCause() != null
                    ? failure.getCause() : failure;
            if (cause != null) {
                if (lost != null) {
                    cause.addSuppressed(lost);
                }
                result.completeExceptionally(cause);
            } else if (lost != null) {
                result.completeExceptionally(lost);
            } else {
                result.complete(value);
            }
        });
    }

    /**
     * @return whether the thread already holds the lock in a mode that covers this call
     * @throws IllegalStateException for a read-to-write upgrade
     */
    private static boolean passesThrough(Acquisition acquisition, HeldLocks held) {
        int mode = held.modeOf(acquisition.lockIdentity());
        if (mode == HeldLocks.SHARED && !acquisition.shared()) {
            throw new IllegalStateException(acquisition.description() + " needs the write lock, but this thread "
                    + "already holds the read lock of the same lock (taken by an enclosing @ReadLocked method). "
                    + "Upgrading a read lock to a write lock can deadlock; take the write lock in the outer method.");
        }
        return mode != HeldLocks.NONE || acquisition.heldExclusivelyByCurrentThread();
    }

    private Object evaluateKey(LockOperation operation, MethodInvocation invocation, Object target, Class<?> targetClass) {
        Method method = operation.method();
        Object[] args = invocation.getArguments();
        MethodBasedEvaluationContext context = new MethodBasedEvaluationContext(
                new LockKeyRoot(method, args, target, targetClass), method, args, parameterNames);
        if (beanFactory != null) {
            context.setBeanResolver(new BeanFactoryResolver(beanFactory));
        }
        Object key = operation.key().getValue(context);
        if (key == null) {
            throw new IllegalArgumentException(operation.description() + ": key \"" + operation.keySource()
                    + "\" evaluated to null. A keyed lock needs a non-null key; check the argument, or give the "
                    + "expression a default (e.g. \"#id ?: 'none'\").");
        }
        return key;
    }
}
