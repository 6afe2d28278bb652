package io.ironfence.spi;

import java.util.Locale;

/** How a request for a lock ended. */
public enum WaitOutcome {

    /** The lock was granted, at once or after waiting. */
    ACQUIRED,

    /** The caller's timeout ran out first; a failed non-waiting {@code tryLock()} counts as a timeout of zero. */
    TIMEOUT,

    /** An asynchronous request whose future was cancelled or completed by its caller before the grant. */
    CANCELLED,

    /** The waiting thread was interrupted. */
    INTERRUPTED,

    /**
     * The lock was busy and its wait queue full ({@code max-waiting}): the request was turned away at
     * once, without waiting ({@link io.ironfence.LockQueueFullException}).
     */
    REJECTED;

    private final String tagValue = name().toLowerCase(Locale.ROOT);

    /** @return the lower-case name used in metric tags: {@code acquired}, {@code timeout}, ... */
    public String tagValue() {
        return tagValue;
    }
}
