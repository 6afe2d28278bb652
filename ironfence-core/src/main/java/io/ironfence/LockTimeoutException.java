package io.ironfence;

import org.jspecify.annotations.Nullable;

import java.time.Duration;

/**
 * Thrown where a timed acquisition must fail rather than return empty, for example by a method
 * annotated with {@link io.ironfence.annotation.WithLock @WithLock(timeout = ...)}. The message
 * names the lock, the key if any, and the timeout as configured: {@code Timed out after 5ms waiting
 * for lock 'owner' (key '1')}.
 */
public class LockTimeoutException extends LockUnavailableException {

    private static final long serialVersionUID = 2L;

    /** The timeout that ran out. */
    private final Duration timeout;

    /**
     * @param lockName the lock's name
     * @param timeout  the timeout that ran out
     */
    public LockTimeoutException(String lockName, Duration timeout) {
        this(lockName, null, timeout);
    }

    /**
     * @param lockName the lock's name
     * @param key      the key of a keyed lock, or {@code null}
     * @param timeout  the timeout that ran out
     */
    public LockTimeoutException(String lockName, @Nullable Object key, Duration timeout) {
        super("Timed out after " + Durations.format(timeout) + " waiting for lock '" + lockName + "'"
                + describeKey(key), lockName, key);
        this.timeout = timeout;
    }

    /** @return the timeout that ran out */
    public Duration getTimeout() {
        return timeout;
    }
}
