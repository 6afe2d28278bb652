package io.ironfence.cluster;

import io.ironfence.cluster.RemoteLockListener.Outcome;

import org.jspecify.annotations.Nullable;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * One lock's view of the shared engine: the same requests and holds, told to that lock's
 * {@link RemoteLockListener}s. Wrapping here keeps the cohorting layer and every engine free of
 * observation code.
 */
final class ObservedEngine implements ClusterLockEngine {

    private final ClusterLockEngine engine;
    private final String lockName;
    private final List<RemoteLockListener> listeners;

    ObservedEngine(ClusterLockEngine engine, String lockName, List<RemoteLockListener> listeners) {
        this.engine = engine;
        this.lockName = lockName;
        this.listeners = listeners;
    }

    @Override
    public CompletableFuture<RemoteHold> acquire(long lockKey, boolean shared, @Nullable Duration timeout) {
        long start = System.nanoTime();
        CompletableFuture<RemoteHold> request = engine.acquire(lockKey, shared, timeout);
        CompletableFuture<RemoteHold> observed = new CompletableFuture<>();
        request.whenComplete((hold, failure) -> {
            long waited = System.nanoTime() - start;
            if (failure != null) {
                Throwable cause = failure instanceof CompletionException && failure.getCause() != null
                        ? failure.getCause() : failure;
                Outcome outcome = cause instanceof TimeoutException ? Outcome.TIMEOUT
                        : cause instanceof CancellationException ? Outcome.CANCELLED : Outcome.FAILED;
                fire(listener -> listener.onRemoteWait(shared, outcome, waited));
                observed.completeExceptionally(cause);
                return;
            }
            fire(listener -> listener.onRemoteWait(shared, Outcome.ACQUIRED, waited));
            ObservedHold wrapped = new ObservedHold(hold);
            if (!observed.complete(wrapped)) {
                wrapped.close(); // the caller withdrew as it came
            }
        });
        // The caller's cancel reaches the engine's request, which releases a grant racing with it.
        observed.whenComplete((hold, failure) -> {
            if (observed.isCancelled()) {
                request.cancel(false);
            }
        });
        return observed;
    }

    @Override
    public @Nullable RemoteHold tryAcquireNow(long lockKey, boolean shared) {
        long start = System.nanoTime();
        RemoteHold hold = engine.tryAcquireNow(lockKey, shared);
        if (hold == null) {
            return null; // not a request that ended: the caller's acquire is the request
        }
        long waited = System.nanoTime() - start;
        fire(listener -> listener.onRemoteWait(shared, Outcome.ACQUIRED, waited));
        return new ObservedHold(hold);
    }

    @Override
    public int openSessions() {
        return engine.openSessions();
    }

    /** Closes nothing: the engine is shared by every lock and closed by its owner. */
    @Override
    public void close() {
    }

    private void fire(Consumer<RemoteLockListener> event) {
        ListenerCalls.fire(listeners, event, lockName);
    }

    /** A remote hold whose end (release, downgrade or loss) is told once. */
    private final class ObservedHold implements RemoteHold {

        private final RemoteHold hold;
        private final long grantNanos = System.nanoTime();
        private final AtomicBoolean ended = new AtomicBoolean();

        ObservedHold(RemoteHold hold) {
            this.hold = hold;
            hold.whenLost().thenRun(() -> {
                fire(listener -> listener.onRemoteLost(hold.shared()));
                end();
            });
        }

        private void end() {
            if (ended.compareAndSet(false, true)) {
                long held = System.nanoTime() - grantNanos;
                fire(listener -> listener.onRemoteRelease(hold.shared(), held));
            }
        }

        @Override
        public long lockKey() {
            return hold.lockKey();
        }

        @Override
        public boolean shared() {
            return hold.shared();
        }

        @Override
        public long fencingToken() {
            return hold.fencingToken();
        }

        @Override
        public long nextFencingToken() {
            return hold.nextFencingToken();
        }

        @Override
        public boolean isValid() {
            return hold.isValid();
        }

        @Override
        public CompletableFuture<Void> whenLost() {
            return hold.whenLost();
        }

        @Override
        public RemoteHold downgrade() {
            RemoteHold shared = hold.downgrade();
            end();
            return new ObservedHold(shared);
        }

        @Override
        public void close() {
            hold.close();
            end();
        }

        @Override
        public boolean release() {
            boolean intact = hold.release();
            end();
            return intact;
        }

        @Override
        public boolean verify() {
            return hold.verify();
        }

        @Override
        public String toString() {
            return hold.toString();
        }
    }
}
