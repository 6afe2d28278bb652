package io.ironfence;

/**
 * Thrown, unchecked, where a blocking wait for a lock was interrupted and the caller cannot declare
 * {@link InterruptedException} (for example a method guarded by an annotation). The thread's
 * interrupt flag is set again before it is thrown; the lock is not held.
 */
public class LockInterruptedException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /** The lock's name. */
    private final String lockName;

    /**
     * @param lockName the lock's name
     * @param cause    the interruption
     */
    public LockInterruptedException(String lockName, InterruptedException cause) {
        super("Interrupted while waiting for lock '" + lockName + "'", cause);
        this.lockName = lockName;
    }

    /** @return the lock's name */
    public String getLockName() {
        return lockName;
    }
}
