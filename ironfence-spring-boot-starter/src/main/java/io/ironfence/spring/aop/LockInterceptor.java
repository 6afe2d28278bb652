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
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
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
        LockOperation operation = operations.operationFor(invocation.getMethod(), targetClass, proxyClass);
        if (operation == null) {
            return invocation.proceed();
        }
        NamedLock named = registry.get().get(operation.name());
        Object key = operation.key() != null ? evaluateKey(operation, invocation, target, targetClass) : null;
        Class<?> returnType = invocation.getMethod().getReturnType();
        if (CompletionStage.class.isAssignableFrom(returnType) && returnType.isAssignableFrom(CompletableFuture.class)) {
            return invokeAsync(invocation, Acquisition.start(named, key, operation));
        }
        if (reactive != null && reactive.supports(returnType)) {
            return reactive.invoke(invocation, () -> Acquisition.start(named, key, operation));
        }
        return invokeBlocking(invocation, Acquisition.start(named, key, operation));
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
            held.push(acquisition.lockIdentity(), acquisition.shared(), acquisition.lockName(), acquisition.description(),
                    guard);
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
                held.push(acquisition.lockIdentity(), acquisition.shared(), acquisition.lockName(),
                        acquisition.description(), guard);
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
