package io.ironfence.cluster;

import org.junit.jupiter.api.Test;

import java.math.BigInteger;
import java.time.LocalDate;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Keys must encode the same in every JVM; the encoding is fixed, so these numbers are too. */
class ClusterLockKeysTest {

    @Test
    void theSameNameAndKeyAreTheSameNumberEverywhere() {
        assertThat(ClusterLockKeys.of("payouts", null)).isEqualTo(ClusterLockKeys.of("payouts", null))
                .isNotEqualTo(ClusterLockKeys.of("payout", null));
        // integral keys are one key whatever their Java type
        assertThat(ClusterLockKeys.of("account", 42)).isEqualTo(ClusterLockKeys.of("account", 42L))
                .isEqualTo(ClusterLockKeys.of("account", BigInteger.valueOf(42)))
                .isNotEqualTo(ClusterLockKeys.of("account", "42"))
                .isNotEqualTo(ClusterLockKeys.of("other", 42));
        UUID id = UUID.fromString("1b4e28ba-2fa1-11d2-883f-0016d3cca427");
        assertThat(ClusterLockKeys.of("order", id)).isEqualTo(ClusterLockKeys.of("order", UUID.fromString(id.toString())));
        assertThat(ClusterLockKeys.of("unit", TimeUnit.SECONDS)).isNotEqualTo(ClusterLockKeys.of("unit", TimeUnit.MINUTES));
        // Pinned: a change of encoding would split a lock between instances of two versions.
        assertThat(ClusterLockKeys.of("payouts", null)).isEqualTo(6403124178904655643L);
        assertThat(ClusterLockKeys.of("account", 42)).isEqualTo(-2885384564790816695L);
    }

    @Test
    void aKeyWhoseEncodingDependsOnTheJvmIsRefusedWithWhatToUse() {
        assertThatThrownBy(() -> ClusterLockKeys.of("invoice", LocalDate.of(2026, 1, 1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'invoice'")
                .hasMessageContaining("java.time.LocalDate").hasMessageContaining("a String, an integral number");
        assertThatThrownBy(() -> ClusterLockKeys.of("invoice", new Object())).isInstanceOf(IllegalArgumentException.class);
    }
}
