package io.ironfence;

import io.ironfence.spi.LockListener;

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
