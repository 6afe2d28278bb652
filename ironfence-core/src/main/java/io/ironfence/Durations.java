package io.ironfence;

import java.time.Duration;

final class Durations {

    /** The units users write durations in, largest first, as in {@code "2s"} or {@code "500ms"}. */
    private static final long[] UNIT_NANOS = {86_400_000_000_000L, 3_600_000_000_000L, 60_000_000_000L,
            1_000_000_000L, 1_000_000L, 1_000L, 1L};
    private static final String[] UNIT_SUFFIXES = {"d", "h", "m", "s", "ms", "us", "ns"};

    private Durations() {
    }

    /**
     * Formats a duration the way it is configured ({@code "5ms"}, {@code "2s"}, {@code "90s"}), in
     * the largest unit that shows it exactly, rather than as ISO-8601 {@code "PT0.005S"}.
     */
    static String format(Duration duration) {
        long nanos = toNanos(duration);
        if (nanos == Long.MAX_VALUE || nanos == Long.MIN_VALUE) {
            return duration.toString(); // past 292 years: no user wrote that in nanoseconds
        }
        if (nanos == 0L) {
            return "0ms";
        }
        String sign = nanos < 0 ? "-" : "";
        long magnitude = Math.abs(nanos);
        for (int unit = 0; unit < UNIT_NANOS.length; unit++) {
            if (magnitude % UNIT_NANOS[unit] == 0) {
                return sign + magnitude / UNIT_NANOS[unit] + UNIT_SUFFIXES[unit];
            }
        }
        throw new AssertionError("every duration is a whole number of nanoseconds");
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
