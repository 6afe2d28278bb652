package io.ironfence.cluster;

import io.ironfence.spi.LockListener;

import org.jspecify.annotations.Nullable;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * An exclusive lock that holds across every instance of a service: at most one holder in the
 * cluster per name and key. It is the write side of a {@link ClusterRWLock} and behaves as one:
 * the instance's own callers queue in an IronFence lock first (lock cohorting), only the head of
 * that queue talks to the server (one remote request per instance and key), and a release keeps
 * the remote hold for the next local waiter at most {@code maxLocalHandoffs} times in a row before
 * it lets other instances, queued at the server in arrival order, have it.
 * <p>
 * Timeouts, cancellation and interrupts withdraw a request as for local locks. A
 * {@link ClusterGuard} knows whether its remote hold is still valid and carries a fencing token
 * that increases with every holder across the cluster.
 */
public final class ClusterLock implements ObservableClusterLock {

    private final ClusterRWLock lock;

    /**
     * @param name             the lock's name, the same on every instance
     * @param engine           the engine of the remote locks
     * @param maxLocalHandoffs how many times in a row a release may pass the remote hold to a local
     *                         waiter before it releases it remotely (0: always release remotely)
     */
    public ClusterLock(String name, ClusterLockEngine engine, int maxLocalHandoffs) {
        this(name, engine, maxLocalHandoffs, LiveKeyLimit.unlimited());
    }

    /**
     * @param name             the lock's name, the same on every instance
     * @param engine           the engine of the remote locks
     * @param maxLocalHandoffs how many times in a row a release may pass the remote hold to a local
     *                         waiter before it releases it remotely (0: always release remotely)
     * @param liveKeys         the limit on live keys this lock shares with others
     */
    public ClusterLock(String name, ClusterLockEngine engine, int maxLocalHandoffs, LiveKeyLimit liveKeys) {
        this.lock = new ClusterRWLock(name, engine, maxLocalHandoffs, liveKeys);
    }

    /** @param listener sees every request, grant, release and give-up, as for {@link ClusterRWLock#addListener} */
    @Override
    public void addListener(LockListener listener) {
        lock.addListener(listener);
    }

    /** @param listener sees the remote side, as for {@link ClusterRWLock#addRemoteListener} */
    @Override
    public void addRemoteListener(RemoteLockListener listener) {
        lock.addRemoteListener(listener);
    }

    /** @return requests waiting now, in the local queue or at the server */
    @Override
    public int getWaitingCount() {
        return lock.getWaitingCount();
    }

    /** @return holds now (at most one) */
    @Override
    public int getHolderCount() {
        return lock.getHolderCount();
    }

    /** @return how many times a release kept the remote hold for a local waiter */
    @Override
    public long getLocalHandoffs() {
        return lock.getLocalHandoffs();
    }

    /** @return how many remote holds of this lock were found lost */
    @Override
    public long getLostHolds() {
        return lock.getLostHolds();
    }

    /** @return the lock's name */
    @Override
    public String getName() {
        return lock.getName();
    }

    /** @return the number of keys (the single lock counts as one) with a local holder, waiter or kept remote hold */
    @Override
    public int getLiveKeyCount() {
        return lock.getLiveKeyCount();
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
    @SuppressWarnings("unchecked")
    public CompletableFuture<ClusterGuard> lockAsync(@Nullable Object key, @Nullable Duration timeout) {
        // The same future, seen as one of the common guard type: a caller's cancel reaches the request.
        return (CompletableFuture<ClusterGuard>) (CompletableFuture<?>) lock.writeAsync(key, timeout);
    }

    /**
     * Waits for the lock of the key, interruptibly.
     *
     * @param key the key, or null for the single lock
     * @return the guard
     * @throws InterruptedException if interrupted while waiting (the lock is not held then)
     */
    public ClusterGuard lockInterruptibly(@Nullable Object key) throws InterruptedException {
        return lock.writeInterruptibly(key);
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
        return lock.tryWrite(key, timeout).map(guard -> guard);
    }
}
