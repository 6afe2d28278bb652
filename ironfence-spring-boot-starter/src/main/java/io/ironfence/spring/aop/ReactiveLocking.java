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
            return adapter.fromPublisher(Flux.usingWhen(acquire, hold -> body(proxyInvocation, adapter),
                    Hold::release, (hold, error) -> hold.release(), Hold::release));
        }
        return adapter.fromPublisher(Mono.usingWhen(acquire, hold -> Mono.from(body(proxyInvocation, adapter)),
                Hold::release, (hold, error) -> hold.release(), Hold::release));
    }

    /** Each subscription runs the method afresh, on a clone: an invocation can only proceed once. */
    private static Publisher<?> body(ProxyMethodInvocation invocation, ReactiveAdapter adapter) {
        try {
            Object result = invocation.invocableClone().proceed();
            return result != null ? adapter.toPublisher(result) : Mono.empty();
        } catch (Throwable e) {
            return Mono.error(e);
        }
    }

    private static Mono<Hold> acquire(Acquisition acquisition) {
        return Mono.<Hold>create(sink -> {
            CompletableFuture<? extends Guard<?>> pending = acquisition.acquireAsync();
            sink.onCancel(() -> pending.cancel(false)); // withdraws a waiting request
            pending.whenComplete((guard, failure) -> {
                if (failure != null) {
                    acquisition.finish();
                    sink.error(acquisition.translate(failure));
                } else {
                    sink.success(new Hold(acquisition, acquisition.describe(guard))); // discarded (and released) if cancelled
                }
            });
        }).doOnDiscard(Hold.class, Hold::discard);
    }

    /** A granted lock and the use it ends. */
    private record Hold(Acquisition acquisition, Guard<?> guard) {

        Mono<Void> release() {
            return Mono.fromRunnable(this::discard);
        }

        void discard() {
            acquisition.release(guard);
        }
    }
}
