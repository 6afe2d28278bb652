package io.ironfence;

import io.ironfence.spi.LockListener;

import org.jspecify.annotations.Nullable;

/**
 * What every IronFence lock shows of itself to monitoring: its name, whether and how it is held,
 * how many wait for it, and listeners that see every request, grant and release.
 */
public interface ObservableLock {

    /**
     * @return the lock's name: the one it was created with, or a generated
     *         {@code "mutex@1b6d3586"}-style name for an unnamed lock
     */
    String getName();

    /** @return whether anyone holds the lock, in any mode */
    boolean isLocked();

    /**
     * @return the number of holders now: 0 or 1 for an exclusive hold, the number of readers for
     *         shared holds
     */
    int getHolderCount();

    /**
     * Returns the number of requests waiting in the queue (blocking and asynchronous alike). Exact
     * whenever no request is in flight: a request that times out, is cancelled or is interrupted
     * leaves the queue before its caller hears of it.
     *
     * @return the number of queued requests
     */
    int getQueueLength();

    /**
     * Bounds the wait queue: a request that finds the lock busy and this many requests already
     * waiting fails at once with {@link LockQueueFullException} (an asynchronous request gets a
     * future failed with it), without waiting and without holding anything. Readers and writers
     * count alike. Requests that need not wait are never refused, nor are non-waiting
     * {@code tryLock()} calls, which fail empty as before. Lowering the bound never evicts
     * requests already queued. Unbounded ({@link Integer#MAX_VALUE}) unless set.
     *
     * @param maxWaiting how many requests may wait at once; 0 turns away every request that would wait
     * @throws IllegalArgumentException if negative
     */
    void setMaxWaiting(int maxWaiting);

    /** @return the bound on the wait queue ({@link Integer#MAX_VALUE} when unbounded) */
    int getMaxWaiting();

    /**
     * Makes the lock also count its waiting requests against a limit shared with other locks
     * (for example all per-key locks of one name); a request queues only if both this lock's
     * {@linkplain #setMaxWaiting max-waiting} and the shared limit have room. Requests queued
     * before the call keep the limit they queued under.
     *
     * @param limit the shared limit, or {@code null} for none
     */
    void setWaitingLimit(@Nullable WaitingLimit limit);

    /** @return the shared waiting limit, or {@code null} */
    @Nullable WaitingLimit getWaitingLimit();

    /**
     * Attaches a listener. Holds granted before the call, and requests already made when it is
     * attached, are not reported to it (neither their grant nor their release).
     *
     * @param listener the listener
     */
    void addListener(LockListener listener);

    /**
     * Detaches a listener. Holds it saw granted are still reported to it when they are released.
     *
     * @param listener the listener
     * @return whether it was attached
     */
    boolean removeListener(LockListener listener);
}
