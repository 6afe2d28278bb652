package io.ironfence;

import org.jspecify.annotations.Nullable;

/**
 * Thrown, at once, by a request that found the lock busy and its wait queue full: as many requests
 * as the lock's {@linkplain ObservableLock#setMaxWaiting max-waiting} (or a {@link WaitingLimit}
 * it shares with other locks) were already waiting. The request did not wait and holds nothing.
 * <p>
 * A bounded queue is how a lock protects the service behind it in a spike: the requests beyond
 * the bound fail fast and can be retried, instead of queueing without end and being served long
 * after their callers have gone.
 */
public class LockQueueFullException extends LockUnavailableException {

    private static final long serialVersionUID = 1L;

    /** The bound that was reached. */
    private final int maxWaiting;
    /** The shared limit that was full, or null if it was the lock's own max-waiting; not serialized. */
    private final transient @Nullable WaitingLimit waitingLimit;

    /**
     * @param lockName   the lock's name
     * @param key        the key of a keyed lock, or {@code null}
     * @param maxWaiting the bound that was reached
     */
    public LockQueueFullException(String lockName, @Nullable Object key, int maxWaiting) {
        this("Lock '" + lockName + "'" + describeKey(key) + " is busy and " + maxWaiting
                + " requests already wait for it, its max-waiting: not queued. Retry later, or raise the bound "
                + "(setMaxWaiting)", lockName, key, maxWaiting);
    }

    /**
     * @param message    the message, which should say which bound was reached and how to change it
     * @param lockName   the lock's name
     * @param key        the key of a keyed lock, or {@code null}
     * @param maxWaiting the bound that was reached
     */
    public LockQueueFullException(String message, String lockName, @Nullable Object key, int maxWaiting) {
        this(message, lockName, key, maxWaiting, null);
    }

    /**
     * @param message      the message, which should say which bound was reached and how to change it
     * @param lockName     the lock's name
     * @param key          the key of a keyed lock, or {@code null}
     * @param maxWaiting   the bound that was reached
     * @param waitingLimit the shared limit that was full, or {@code null} if it was the lock's own bound
     */
    public LockQueueFullException(String message, String lockName, @Nullable Object key, int maxWaiting,
            @Nullable WaitingLimit waitingLimit) {
        super(message, lockName, key);
        this.maxWaiting = maxWaiting;
        this.waitingLimit = waitingLimit;
    }

    /**
     * @return the shared limit that was full, or {@code null} if the lock's own max-waiting was
     *         reached (always {@code null} after deserialization)
     */
    public @Nullable WaitingLimit getWaitingLimit() {
        return waitingLimit;
    }

    /** @return the bound that was reached */
    public int getMaxWaiting() {
        return maxWaiting;
    }
}
