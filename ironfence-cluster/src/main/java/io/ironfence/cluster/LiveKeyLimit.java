package io.ironfence.cluster;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * A limit on the keys an instance's cluster locks use at once, shared by the locks it is given to.
 * A key is live from its first request until its last holder or waiter leaves. Each live key can
 * need a connection and a slot in the server's lock table (PostgreSQL's is shared by every
 * database on the server, and a full table breaks every lock there), so a service that locks per
 * customer or per order must not let the number grow without bound.
 */
public final class LiveKeyLimit {

    private final int max;
    private final String setting;
    private final AtomicInteger live = new AtomicInteger();

    /**
     * @param max     the most keys live at once
     * @param setting what to change to raise it, for the message of a refused key
     */
    public LiveKeyLimit(int max, String setting) {
        if (max < 1) {
            throw new IllegalArgumentException(setting + " must be at least 1, was " + max);
        }
        this.max = max;
        this.setting = setting;
    }

    /** @return a limit that never refuses */
    public static LiveKeyLimit unlimited() {
        return new LiveKeyLimit(Integer.MAX_VALUE, "max-keys");
    }

    /** @return the most keys live at once */
    public int getMax() {
        return max;
    }

    /** @return the keys live now */
    public int getLive() {
        return live.get();
    }

    /**
     * Counts a new live key.
     *
     * @param lockName the lock that wants it, for the message
     * @throws IllegalStateException if the limit is reached: the request fails at once
     */
    void take(String lockName) {
        int now;
        do {
            now = live.get();
            if (now >= max) {
                throw new IllegalStateException("Cluster lock '" + lockName + "' cannot use another key: " + now
                        + " keys of this instance's cluster locks are in use, the limit of " + setting + "=" + max
                        + ". Raise " + setting + " (each live key can hold a database connection and a slot in the "
                        + "server's lock table), or lock on fewer distinct keys at once.");
            }
        } while (!live.compareAndSet(now, now + 1));
    }

    /** A key is no longer live. */
    void give() {
        live.decrementAndGet();
    }
}
