package io.ironfence.spring.aop;

import io.ironfence.LockOrderException;
import io.ironfence.annotation.WithLock;
import io.ironfence.spring.NamedLockRegistry;
import io.ironfence.spring.boot.autoconfigure.IronFenceAutoConfiguration;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Lock order by name (lockdep): nesting two locks in the opposite order to an earlier nesting is
 * reported before any deadlock happens, here on one thread, one call after the other.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
@ExtendWith(OutputCaptureExtension.class)
class LockOrderTest {

    public static class Inner {
        @WithLock("accounts")
        public void accounts() {
        }

        @WithLock("ledger")
        public void ledger() {
        }

        @WithLock("audit")
        public void audit() {
        }
    }

    public static class Outer {
        private Inner inner;

        public void setInner(Inner inner) {
            this.inner = inner;
        }

        @WithLock("accounts")
        public void transfer() {
            inner.ledger();
        }

        @WithLock("ledger")
        public void refund() {
            inner.accounts();
        }

        @WithLock("ledger")
        public void close() {
            inner.audit();
        }

        @WithLock("audit")
        public void review() {
            inner.accounts();
        }

        @WithLock("accounts")
        public void alone() {
        }
    }

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(IronFenceAutoConfiguration.class))
            .withBean(Inner.class).withBean(Outer.class);

    private static Outer outer(org.springframework.context.ApplicationContext context) {
        Outer outer = context.getBean(Outer.class);
        outer.setInner(context.getBean(Inner.class));
        return outer;
    }

    @Test
    void theSecondOrderIsLoggedOnceWithBothOrdersAndTheirMethods(CapturedOutput output) {
        runner.run(context -> {
            Outer outer = outer(context);
            outer.transfer(); // accounts, then ledger
            outer.refund();   // ledger, then accounts: no deadlock here, but two threads doing both could
            outer.refund();
            String log = output.getOut();
            assertThat(log).containsOnlyOnce("Locks 'ledger' and 'accounts' are taken in both orders")
                    .contains("Outer.refund").contains("Inner.accounts")
                    .contains("Outer.transfer").contains("Inner.ledger");
        });
    }

    @Test
    void withThrowTheSecondOrderFailsBeforeWaitingAndLeaksNothing() {
        runner.withPropertyValues("ironfence.lock-order=throw").run(context -> {
            Outer outer = outer(context);
            NamedLockRegistry locks = context.getBean(NamedLockRegistry.class);
            outer.transfer();
            assertThatThrownBy(outer::refund).isInstanceOf(LockOrderException.class)
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("'accounts'").hasMessageContaining("'ledger'");
            for (String name : List.of("accounts", "ledger")) {
                assertThat(locks.get(name).getHolderCount()).isZero();
                assertThat(locks.get(name).getWaitingCount()).isZero();
            }
            outer.transfer(); // the known order still works
        });
    }

    @Test
    void aCycleThroughThreeLocksIsFoundToo() {
        runner.withPropertyValues("ironfence.lock-order=throw").run(context -> {
            Outer outer = outer(context);
            outer.transfer(); // accounts -> ledger
            outer.close();    // ledger -> audit
            assertThatThrownBy(outer::review).isInstanceOf(LockOrderException.class) // audit -> accounts
                    .hasMessageContaining("'audit'").hasMessageContaining("Outer.close");
        });
    }

    @Test
    void unnestedLocksAndTheOffSettingReportNothing(CapturedOutput output) {
        runner.withPropertyValues("ironfence.lock-order=off").run(context -> {
            Outer outer = outer(context);
            outer.transfer();
            outer.refund();
            outer.alone();
        });
        assertThat(output.getOut()).doesNotContain("taken in both orders");
    }
}
