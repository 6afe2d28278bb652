package io.ironfence;

import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/** Timeouts in messages read as users configure them. */
class DurationsTest {

    @Test
    void aDurationIsShownInTheLargestUnitThatShowsItExactly() {
        assertThat(Durations.format(Duration.ofMillis(5))).isEqualTo("5ms");
        assertThat(Durations.format(Duration.ofSeconds(2))).isEqualTo("2s");
        assertThat(Durations.format(Duration.ofMillis(1500))).isEqualTo("1500ms");
        assertThat(Durations.format(Duration.ofSeconds(90))).isEqualTo("90s");
        assertThat(Durations.format(Duration.ofMinutes(2))).isEqualTo("2m");
        assertThat(Durations.format(Duration.ofHours(36))).isEqualTo("36h");
        assertThat(Durations.format(Duration.ofDays(2))).isEqualTo("2d");
        assertThat(Durations.format(Duration.ofNanos(1500))).isEqualTo("1500ns");
        assertThat(Durations.format(Duration.ofNanos(3000))).isEqualTo("3us");
        assertThat(Durations.format(Duration.ZERO)).isEqualTo("0ms");
        assertThat(Durations.format(Duration.ofMillis(-5))).isEqualTo("-5ms");
        assertThat(Durations.format(Duration.ofDays(365L * 1000))).isEqualTo(Duration.ofDays(365L * 1000).toString());
    }

    @Test
    void theTimeoutExceptionNamesLockKeyAndTimeoutAsConfigured() {
        assertThat(new LockTimeoutException("owner", 1, Duration.ofMillis(5)))
                .hasMessage("Timed out after 5ms waiting for lock 'owner' (key '1')");
        assertThat(new LockTimeoutException("ledger", Duration.ofSeconds(2)))
                .hasMessage("Timed out after 2s waiting for lock 'ledger'");
    }
}
