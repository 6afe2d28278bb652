package io.ironfence;

import org.jspecify.annotations.Nullable;

/**
 * Thrown when a lock was lost while it was held: a cluster lock whose remote hold ended behind its
 * holder's back (its database session was killed, the server restarted, the network was cut). It
 * is thrown after the protected code has run, because the loss is noticed while it runs and
 * cannot undo what it did: whatever the code changed may have raced with another holder. A
 * protected resource that checks the hold's fencing token refuses such late writes; a lock taken
 * inside the resource's own transaction makes the loss roll the work back.
 */
public class LockLostException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /** The lock's name. */
    private final String lockName;
    /** The key of a keyed lock; not serialized, since keys need not be serializable. */
    private final transient @Nullable Object key;

    /**
     * @param lockName the lock's name
     * @param key      the key of a keyed lock, or {@code null}
     * @param holder   who held it (for example the annotated method), for the message
     */
    public LockLostException(String lockName, @Nullable Object key, String holder) {
        super("Lock '" + lockName + "'" + (key != null ? " (key '" + key + "')" : "") + " was lost while "
                + holder + " held it: another holder may have run at the same time");
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
}
