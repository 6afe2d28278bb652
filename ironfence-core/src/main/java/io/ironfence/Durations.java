package io.ironfence;

import java.time.Duration;

final class Durations {

    private Durations() {
    }

    /** Saturating conversion: a timeout too long to count in nanoseconds is as good as forever. */
    static long toNanos(Duration timeout) {
        if (timeout == null) {
            throw new NullPointerException("timeout must not be null; use lock() to wait without a timeout");
        }
        try {
            return timeout.toNanos();
        } catch (ArithmeticException e) {
            return timeout.isNegative() ? Long.MIN_VALUE : Long.MAX_VALUE;
        }
    }
}
