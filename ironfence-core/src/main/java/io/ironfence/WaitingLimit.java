package io.ironfence;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * A bound on the requests waiting for several locks together, such as all the per-key locks of
 * one name: memory and backlog stay bounded however many keys are busy at once. A lock given one
 * ({@link ObservableLock#setWaitingLimit}) queues a request only if both its own
 * {@linkplain ObservableLock#setMaxWaiting max-waiting} and this limit have room; otherwise the
 * request fails at once with {@link LockQueueFullException}.
 * <p>
 * Exact: a request takes its place here under its lock's queue lock as it queues, and gives it
 * back as it leaves the queue (granted, timed out, cancelled or interrupted).
 */
public final class WaitingLimit {

    private final int max;
    private final AtomicInteger waiting = new AtomicInteger();

    /**
     * @param max how many requests may wait at once, over all locks that share this limit; 0 means
     *            none may wait (a busy lock turns every request away)
     * @throws IllegalArgumentException if negative
     */
    public WaitingLimit(int max) {
        if (max < 0) {
            throw new IllegalArgumentException("A waiting limit must be 0 or more, not " + max);
        }
        this.max = max;
    }

    /** @return how many requests may wait at once */
    public int getMax() {
        return max;
    }

    /** @return how many requests wait now, over all locks that share this limit */
    public int getWaiting() {
        return waiting.get();
    }

    /** Takes a place if one is free. */
    boolean tryTake() {
        for (;;) {
            int now = waiting.get();
            if (now >= max) {
                return false;
            }
            if (waiting.compareAndSet(now, now + 1)) {
                return true;
            }
        }
    }

    /** Takes back a place a request held before a failed dispatch undid its grant. */
    void retake() {
        waiting.incrementAndGet();
    }

    void giveBack() {
        waiting.decrementAndGet();
    }

    @Override
    public String toString() {
        return "WaitingLimit[" + waiting.get() + " of " + max + " waiting]";
    }
}
