package io.ironfence.spring.slice;

import io.ironfence.LockTimeoutException;
import io.ironfence.MutexGuard;
import io.ironfence.annotation.WithLock;
import io.ironfence.spring.NamedLockRegistry;
import io.ironfence.spring.boot.test.autoconfigure.AutoConfigureIronFence;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.context.annotation.Import;
import org.springframework.test.context.junit.jupiter.SpringJUnitConfig;

import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** {@code @AutoConfigureIronFence} brings the locks into a test context that has no auto-configuration. */
@SpringJUnitConfig(AutoConfigureIronFenceTest.Config.class)
@AutoConfigureIronFence
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class AutoConfigureIronFenceTest {

    @Import(Receipts.class)
    static class Config {
    }

    public static class Receipts {
        @WithLock(value = "receipts", timeout = "50ms")
        public String print() {
            return "printed";
        }
    }

    @Autowired
    Receipts receipts;

    @Autowired
    NamedLockRegistry registry;

    @Test
    void annotatedBeansAreLocked() {
        assertThat(receipts.print()).isEqualTo("printed");
        try (MutexGuard<Object> held = registry.getMutex("receipts").lockAsync().join()) {
            assertThatThrownBy(receipts::print).isInstanceOf(LockTimeoutException.class);
        }
    }
}
