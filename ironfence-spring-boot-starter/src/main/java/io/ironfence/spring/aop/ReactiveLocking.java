package io.ironfence.spring.aop;

import io.ironfence.Guard;

import org.aopalliance.intercept.MethodInvocation;
import org.reactivestreams.Publisher;
import org.springframework.aop.ProxyMethodInvocation;
import org.springframework.core.ReactiveAdapter;
import org.springframework.core.ReactiveAdapterRegistry;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

/**
 * Locks around reactive return types ({@code Mono}, {@code Flux}, and whatever else Spring's
 * {@link ReactiveAdapterRegistry} adapts): each subscription requests the lock without blocking,
 * runs the method once it is granted, and releases it when the method's publisher completes,
 * fails or is cancelled. Only loaded when Reactor is on the class path.
 */
final class ReactiveLocking {

    private final ReactiveAdapterRegistry adapters = ReactiveAdapterRegistry.getSharedInstance();

    boolean supports(Class<?> returnType) {
        return adapters.getAdapter(returnType) != null;
    }

    Object invoke(MethodInvocation invocation, Supplier<Acquisition> acquisitions) {
        ReactiveAdapter adapter = adapters.getAdapter(invocation.getMethod().getReturnType());
        if (!(invocation instanceof ProxyMethodInvocation proxyInvocation)) {
            throw new IllegalStateException("IronFence needs a Spring AOP proxy invocation to lock reactive methods: "
                    + invocation.getMethod());
        }
        Mono<Hold> acquire = Mono.defer(() -> acquire(acquisitions.get()));
        if (adapter.isMultiValue()) {
            return adapter.fromPublisher(Flux.usingWhen(acquire,
                    hold -> hold.start() ? body(proxyInvocation, adapter, hold) : Flux.empty(),
                    Hold::release, (hold, error) -> hold.release(), Hold::release));
        }
        return adapter.fromPublisher(Mono.usingWhen(acquire,
                hold -> hold.start() ? Mono.from(body(proxyInvocation, adapter, hold)) : Mono.empty(),
                Hold::release, (hold, error) -> hold.release(), Hold::release));
    }

    /**
     * Each subscription runs the method afresh, on a clone: an invocation can only proceed once.
     * While the method builds its publisher it sees its own hold (and only that: the granting
     * thread may be inside annotated methods of its own), for {@link ClusterHolds}.
     */
    private static Publisher<?> body(ProxyMethodInvocation invocation, ReactiveAdapter adapter, Hold hold) {
        try {
            Object result = HeldLocks.isolated(() -> {
                HeldLocks held = HeldLocks.current();
                held.push(hold.acquisition, hold.guard);
                try {
                    return invocation.invocableClone().proceed();
                } finally {
                    held.pop();
                }
            });
            return result != null ? adapter.toPublisher(result) : Mono.empty();
        } catch (Throwable e) {
            return Mono.error(e);
        }
    }

    private static Mono<Hold> acquire(Acquisition acquisition) {
        return Mono.<Hold>create(sink -> {
            AtomicReference<Object> grant = new AtomicReference<>(); // null, then the Hold or CANCELLED
            CompletableFuture<? extends Guard<?>> pending = acquisition.acquireAsync();
            sink.onCancel(() -> {
                pending.cancel(false); // withdraws a waiting request
                // A grant that raced the cancellation may have been dropped by the sink: a value
                // that arrives while it is being cancelled is reported as dropped, not discarded, so
                // a discard hook would not see it. This callback runs on every cancellation.
                if (grant.getAndSet(CANCELLED) instanceof Hold hold) {
                    hold.releaseUnlessStarted();
                }
            });
            pending.whenComplete((guard, failure) -> {
                if (failure != null) {
                    acquisition.finish();
                    sink.error(acquisition.translate(failure));
                    return;
                }
                Hold hold = new Hold(acquisition, acquisition.describe(guard));
                if (grant.compareAndSet(null, hold)) {
                    sink.success(hold);
                } else {
                    hold.releaseUnlessStarted(); // cancelled before the lock came
                }
            });
        });
    }

    private static final Object CANCELLED = new Object();

    /**
     * A granted lock and the use it ends. Either the method's body starts with it, and the body's
     * end releases it, or a cancellation that came first releases it; never both, never neither.
     */
    private static final class Hold {

        private static final int GRANTED = 0;
        private static final int STARTED = 1;
        private static final int RELEASED = 2;

        private final Acquisition acquisition;
        private final Guard<?> guard;
        private final AtomicInteger state = new AtomicInteger(GRANTED);

        Hold(Acquisition acquisition, Guard<?> guard) {
            this.acquisition = acquisition;
            this.guard = guard;
        }

        /** @return whether the body may run: false if a cancellation released the lock first */
        boolean start() {
            return state.compareAndSet(GRANTED, STARTED);
        }

        /** Ends the body's use: when its publisher completes, fails or is cancelled. */
        Mono<Void> release() {
            return Mono.fromRunnable(() -> releaseIf(STARTED));
        }

        void releaseUnlessStarted() {
            releaseIf(GRANTED);
        }

        private void releaseIf(int current) {
            if (state.compareAndSet(current, RELEASED)) {
                acquisition.release(guard);
            }
        }
    }
}
