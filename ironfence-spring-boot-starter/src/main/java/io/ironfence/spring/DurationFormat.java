package io.ironfence.spring;

import org.springframework.boot.convert.DurationStyle;

import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.List;

/** Durations in messages as users write them in properties ({@code "250ms"}, {@code "2s"}), not {@code "PT0.25S"}. */
final class DurationFormat {

    private static final List<ChronoUnit> UNITS = List.of(ChronoUnit.DAYS, ChronoUnit.HOURS, ChronoUnit.MINUTES,
            ChronoUnit.SECONDS, ChronoUnit.MILLIS, ChronoUnit.MICROS);

    private DurationFormat() {
    }

    /** @return the duration in the largest unit that shows it exactly */
    static String format(Duration duration) {
        for (ChronoUnit unit : UNITS) {
            if (duration.equals(Duration.of(duration.dividedBy(unit.getDuration()), unit))) {
                return DurationStyle.SIMPLE.print(duration, unit);
            }
        }
        return DurationStyle.SIMPLE.print(duration, ChronoUnit.NANOS);
    }
}
