package io.ironfence;

import org.jspecify.annotations.Nullable;

/**
 * A lock could not be had for the caller: its wait ran out ({@link LockTimeoutException}) or its
 * wait queue was full ({@link LockQueueFullException}). Either way nothing ran under the lock and
 * nothing is held, so the request can be retried later; one handler can map both, for example to
 * HTTP {@code 503 Service Unavailable}.
 */
public abstract class LockUnavailableException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /** The lock's name. */
    private final String lockName;
    /** The key of a keyed lock; not serialized, since keys need not be serializable. */
    private final transient @Nullable Object key;

    /**
     * @param message  the message
     * @param lockName the lock's name
     * @param key      the key of a keyed lock, or {@code null}
     */
    protected LockUnavailableException(String message, String lockName, @Nullable Object key) {
        super(message);
        this.lockName = lockName;
        this.key = key;
    }

    /** @return the lock's name */
    public String getLockName() {
        return lockName;
    }

    /** @return the key of a keyed lock, or {@code null} */
    public @Nullable Object getKey() {
        return key;
    }

    /** @return {@code " (key 'k')"} for a keyed lock, else the empty string: for messages */
    static String describeKey(@Nullable Object key) {
        return key != null ? " (key '" + key + "')" : "";
    }
}
