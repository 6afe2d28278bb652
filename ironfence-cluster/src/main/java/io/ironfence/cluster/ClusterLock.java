package io.ironfence.cluster;

import io.ironfence.Guard;
import io.ironfence.Mutex;
import io.ironfence.MutexGuard;
import io.ironfence.cluster.ClusterLockEngine.RemoteHold;

import org.jspecify.annotations.Nullable;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

/**
 * An exclusive lock that holds across every instance of a service: at most one holder in the
 * cluster per name and key. It puts the instance's own waiters in an IronFence queue first (lock
 * cohorting), so only the head of that queue talks to the server, and one remote request per
 * instance and key is ever in flight.
 *
 * <h2>Cohorting</h2>
 * Each (name, key) has a cohort: a local {@link Mutex} and the remote hold, if the instance has it.
 * Only the local holder touches the cohort's remote state, so the local mutex guards it. A local
 * holder that finds no valid remote hold requests one; on release it keeps the remote hold for the
 * next local waiter, at most {@code maxLocalHandoffs} times in a row, and otherwise releases it
 * remotely, so other instances, queued at the server in arrival order, never starve. A kept hold
 * whose local waiter then withdrew is released by whoever sees the local lock free with nobody
 * queued (see {@link Cohort#releaseIfIdle}).
 *
 * <h2>Waiting</h2>
 * Local waits are IronFence's asynchronous requests, so timeouts, cancellation and interrupts
 * withdraw them exactly as for local locks; a remote wait is cancelled when its local holder gives
 * up. Blocking methods wait on the future; {@link #lockAsync} never blocks.
 *
 * <h2>Guards</h2>
 * A {@link ClusterGuard} knows whether the remote hold is still valid, completes
 * {@link ClusterGuard#whenLost()} when it is lost, and carries a fencing token that increases with
 * every holder across the cluster (a new one is issued on the held session when the hold passes
 * between local holders).
 */
public final class ClusterLock {

    private static final Object SINGLE = new Object();

    private final String name;
    private final ClusterLockEngine engine;
    private final int maxLocalHandoffs;
    private final ConcurrentHashMap<Object, Cohort> cohorts = new ConcurrentHashMap<>();

    /**
     * @param name             the lock's name, the same on every instance
     * @param engine           the engine of the remote locks
     * @param maxLocalHandoffs how many times in a row a release may pass the remote hold to a local
     *                         waiter before it releases it remotely (0: always release remotely)
     */
    public ClusterLock(String name, ClusterLockEngine engine, int maxLocalHandoffs) {
        if (maxLocalHandoffs < 0) {
            throw new IllegalArgumentException("max-local-handoffs must not be negative, was " + maxLocalHandoffs);
        }
        this.name = name;
        this.engine = engine;
        this.maxLocalHandoffs = maxLocalHandoffs;
    }

    /** @return the lock's name */
    public String getName() {
        return name;
    }

    /** @return the number of keys (the single lock counts as one) with a local holder, waiter or kept remote hold */
    public int getLiveKeyCount() {
        return cohorts.size();
    }

    /**
     * Requests the lock of the key without blocking.
     *
     * @param key     the key, or null for the single lock of the name; see {@link ClusterLockKeys}
     * @param timeout how long to wait in all (local queue and server); null to wait without limit
     * @return the future of the guard; cancelling it withdraws the request, and a grant that races
     *         with the cancel is released
     * @throws IllegalArgumentException if the key's type does not encode the same in every JVM
     */
    public CompletableFuture<ClusterGuard> lockAsync(@Nullable Object key, @Nullable Duration timeout) {
        long lockKey = ClusterLockKeys.of(name, key);
        long deadline = timeout == null ? Long.MAX_VALUE : System.nanoTime() + Math.max(0L, saturatedNanos(timeout));
        Cohort cohort = retain(key != null ? key : SINGLE, lockKey);
        CompletableFuture<ClusterGuard> result = new CompletableFuture<>();
        // This acquisition's own remote request, if it gets that far (another's must not be cancelled).
        AtomicReference<CompletableFuture<RemoteHold>> remoteRequest = new AtomicReference<>();
        CompletableFuture<MutexGuard<Void>> local = cohort.local.lockAsync();
        if (timeout != null) {
            local.orTimeout(Math.max(0L, deadline - System.nanoTime()), TimeUnit.NANOSECONDS); // withdraws the request
        }
        local.whenComplete((guard, failure) -> {
            if (failure != null) {
                cohort.finish();
                result.completeExceptionally(unwrap(failure));
            } else if (result.isDone()) {
                cohort.release(guard); // the caller gave up as the local lock came
            } else {
                cohort.takeRemote(guard, deadline, result, remoteRequest);
            }
        });
        result.whenComplete((guard, failure) -> {
            if (failure != null) {
                local.cancel(false);
                CompletableFuture<RemoteHold> remote = remoteRequest.get();
                if (remote != null) {
                    remote.cancel(false);
                }
            }
        });
        return result;
    }

    /**
     * Waits for the lock of the key, interruptibly.
     *
     * @param key the key, or null for the single lock
     * @return the guard
     * @throws InterruptedException if interrupted while waiting (the lock is not held then)
     */
    public ClusterGuard lockInterruptibly(@Nullable Object key) throws InterruptedException {
        return await(lockAsync(key, null)).orElseThrow();
    }

    /**
     * Waits at most {@code timeout} for the lock of the key.
     *
     * @param key     the key, or null for the single lock
     * @param timeout the longest wait, local queue and server together
     * @return the guard, or empty on timeout
     * @throws InterruptedException if interrupted while waiting (the lock is not held then)
     */
    public Optional<ClusterGuard> tryLock(@Nullable Object key, Duration timeout) throws InterruptedException {
        return await(lockAsync(key, timeout));
    }

    private static Optional<ClusterGuard> await(CompletableFuture<ClusterGuard> future) throws InterruptedException {
        try {
            return Optional.of(future.get());
        } catch (InterruptedException e) {
            future.cancel(false); // withdraws the request; a racing grant is released
            throw e;
        } catch (ExecutionException e) {
            if (e.getCause() instanceof TimeoutException) {
                return Optional.empty();
            }
            throw e.getCause() instanceof RuntimeException runtime ? runtime : new CompletionException(e.getCause());
        }
    }

    private Cohort retain(Object key, long lockKey) {
        return cohorts.compute(key, (k, cohort) -> {
            Cohort c = cohort != null ? cohort : new Cohort(k, lockKey);
            c.users++;
            return c;
        });
    }

    /**
     * The instance's side of one (name, key): its local queue and the remote hold it has, if any.
     * {@link #remote} and {@link #handoffs} are written only by the local holder; {@link #remote} is
     * volatile because {@link #releaseIfIdle} reads it without the lock.
     */
    private final class Cohort {

        final Object key;
        final long lockKey;
        final Mutex<Void> local;
        /** Guarded by the map's lock for this key (only touched inside compute). */
        int users;
        volatile @Nullable RemoteHold remote;
        /** Holders since the remote grant; 0 for the holder the server granted it to. */
        int handoffs;

        Cohort(Object key, long lockKey) {
            this.key = key;
            this.lockKey = lockKey;
            this.local = Mutex.named(name, null);
        }

        /** As the local holder: uses the kept remote hold, or requests one. */
        void takeRemote(MutexGuard<Void> localGuard, long deadline, CompletableFuture<ClusterGuard> result,
                AtomicReference<CompletableFuture<RemoteHold>> remoteRequest) {
            RemoteHold kept = remote;
            if (kept != null && kept.isValid()) {
                grant(localGuard, kept, true, result);
                return;
            }
            remote = null;
            handoffs = 0;
            Duration left = deadline == Long.MAX_VALUE ? null : Duration.ofNanos(Math.max(0L, deadline - System.nanoTime()));
            CompletableFuture<RemoteHold> request = engine.acquire(lockKey, false, left);
            remoteRequest.set(request);
            if (result.isDone()) {
                request.cancel(false); // the caller gave up while we asked
            }
            request.whenComplete((hold, failure) -> {
                if (failure != null) {
                    release(localGuard);
                    result.completeExceptionally(unwrap(failure));
                    return;
                }
                remote = hold;
                grant(localGuard, hold, false, result);
            });
        }

        private void grant(MutexGuard<Void> localGuard, RemoteHold hold, boolean handedOff,
                CompletableFuture<ClusterGuard> result) {
            ClusterGuard guard = new ClusterGuard(this, localGuard, hold, handedOff);
            if (!result.complete(guard)) {
                guard.close(); // the caller gave up as the lock came
            }
        }

        /** As the local holder: passes the remote hold to the next local waiter, or releases it remotely. */
        void release(MutexGuard<Void> localGuard) {
            RemoteHold hold = remote;
            boolean keep = hold != null && hold.isValid() && handoffs < maxLocalHandoffs && local.getQueueLength() > 0;
            if (keep) {
                handoffs++;
            } else {
                remote = null;
                handoffs = 0;
                if (hold != null) {
                    hold.close();
                }
            }
            localGuard.close(); // grants the next local waiter, which finds the kept hold
            if (keep) {
                releaseIfIdle();
            }
            finish();
        }

        /**
         * A hold kept for a local waiter that then withdrew would stay held with nobody to release
         * it: whoever finds the local lock free and nobody queued releases it. Each round either
         * releases it or finds a holder, which then owns it.
         */
        void releaseIfIdle() {
            while (remote != null && !local.isLocked()) {
                Optional<MutexGuard<Void>> probe = local.tryLock();
                if (probe.isEmpty()) {
                    return;
                }
                RemoteHold hold = remote;
                if (hold != null && local.getQueueLength() == 0) {
                    remote = null;
                    handoffs = 0;
                    hold.close();
                }
                probe.get().close();
            }
        }

        /** Ends a use of the cohort; the last one drops it unless a remote hold is still kept. */
        void finish() {
            cohorts.computeIfPresent(key, (k, cohort) -> --cohort.users == 0 && cohort.remote == null ? null : cohort);
        }
    }

    /** A holder's view of the cluster lock: closing it releases (or passes on) the hold. */
    public final class ClusterGuard implements Guard<Void> {

        private final Cohort cohort;
        private final MutexGuard<Void> localGuard;
        private final RemoteHold remote;
        private final boolean handedOff;
        private final AtomicBoolean closed = new AtomicBoolean();
        private volatile long token = Long.MIN_VALUE;

        ClusterGuard(Cohort cohort, MutexGuard<Void> localGuard, RemoteHold remote, boolean handedOff) {
            this.cohort = cohort;
            this.localGuard = localGuard;
            this.remote = remote;
            this.handedOff = handedOff;
        }

        /** @return null: a cluster lock guards code, not a value */
        @Override
        public @Nullable Void get() {
            localGuard.get(); // throws once closed
            return null;
        }

        /** @return whether the cluster lock is still held: false once its session is known lost */
        public boolean isValid() {
            return !closed.get() && remote.isValid();
        }

        /** @return completes when the remote hold is found lost while this guard holds it */
        public CompletableFuture<Void> whenLost() {
            return remote.whenLost();
        }

        /**
         * @return this holder's fencing token: greater than every token issued before for this name
         *         and key anywhere in the cluster; -1 if the engine cannot issue tokens. A holder the
         *         hold was passed to locally gets a new token from the server on first call.
         */
        public long fencingToken() {
            long current = token;
            if (current == Long.MIN_VALUE) {
                current = handedOff ? remote.nextFencingToken() : remote.fencingToken();
                token = current;
            }
            return current;
        }

        /** Releases the lock: passes it to a local waiter or releases it remotely. Idempotent. */
        @Override
        public void close() {
            if (closed.compareAndSet(false, true)) {
                cohort.release(localGuard);
            }
        }

        @Override
        public String toString() {
            return "ClusterGuard[" + name + (closed.get() ? ", closed]" : remote.isValid() ? ", held]" : ", lost]");
        }
    }

    private static Throwable unwrap(Throwable failure) {
        return failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
    }

    private static long saturatedNanos(Duration timeout) {
        try {
            return timeout.toNanos();
        } catch (ArithmeticException e) {
            return timeout.isNegative() ? 0L : Long.MAX_VALUE / 2;
        }
    }
}
