package io.ironfence.spring.aop;

import io.ironfence.annotation.ReadLocked;
import io.ironfence.annotation.WithLock;
import io.ironfence.spring.boot.autoconfigure.IronFenceAutoConfiguration;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

import static io.ironfence.spring.StartupFailures.messages;
import static org.assertj.core.api.Assertions.assertThat;

/** Mistakes in annotations fail the start-up (or warn) with a message that says what to change. */
@ExtendWith(OutputCaptureExtension.class)
class StartupValidationTest {

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(IronFenceAutoConfiguration.class));

    public static class ReadsAMutex {
        @ReadLocked("ledger")
        public void read() {
        }
    }

    public static class MalformedTimeout {
        @WithLock(value = "ledger", timeout = "soon")
        public void write() {
        }
    }

    public static class BadKey {
        @WithLock(value = "account", key = "#accountId +")
        public void pay(String accountId) {
        }
    }

    public static class BothAnnotations {
        @WithLock("a")
        @ReadLocked("a")
        public void confused() {
        }
    }

    public static class Unproxyable {
        @WithLock("ledger")
        private void hidden() {
        }

        @WithLock("ledger")
        public final void sealed() {
        }

        public void callsHidden() {
            hidden();
        }
    }

    @Test
    void aReadLockOnANameDeclaredAsAMutex() {
        runner.withPropertyValues("ironfence.locks.ledger.type=mutex").withBean(ReadsAMutex.class)
                .run(context -> assertThat(messages(context))
                        .contains("@ReadLocked(\"ledger\") on " + ReadsAMutex.class.getName() + ".read(..)")
                        .contains("is a mutex").contains("ironfence.locks.ledger.type=rwlock"));
    }

    @Test
    void aLazyBeanIsCheckedAtStartUpThoughItIsNeverCreated() {
        runner.withPropertyValues("ironfence.locks.ledger.type=mutex")
                .withBean("lazyReader", ReadsAMutex.class, ReadsAMutex::new, definition -> definition.setLazyInit(true))
                .run(context -> assertThat(messages(context))
                        .contains("@ReadLocked(\"ledger\") on " + ReadsAMutex.class.getName() + ".read(..)"));
    }

    @Test
    void aMalformedTimeout() {
        runner.withBean(MalformedTimeout.class).run(context -> assertThat(messages(context))
                .contains(MalformedTimeout.class.getName() + ".write(..)").contains("timeout \"soon\"")
                .contains("\"500ms\""));
    }

    @Test
    void anUnresolvablePlaceholderTimeout() {
        runner.withBean(PlaceholderTimeout.class).run(context -> assertThat(messages(context))
                .contains("lock.timeout"));
        runner.withBean(PlaceholderTimeout.class).withPropertyValues("lock.timeout=2s")
                .run(context -> assertThat(context).hasNotFailed());
    }

    @Test
    void aTimeoutThatIsNotPositive() {
        for (String timeout : new String[] {"0s", "-1s"}) {
            runner.withBean(PlaceholderTimeout.class).withPropertyValues("lock.timeout=" + timeout)
                    .run(context -> assertThat(messages(context)).contains(PlaceholderTimeout.class.getName())
                            .contains("must be a positive duration"));
        }
    }

    public static class PlaceholderTimeout {
        @WithLock(value = "ledger", timeout = "${lock.timeout}")
        public void write() {
        }
    }

    @Test
    void aKeyThatDoesNotParse() {
        runner.withBean(BadKey.class).run(context -> assertThat(messages(context))
                .contains(BadKey.class.getName() + ".pay(..)").contains("key \"#accountId +\"")
                .contains("not a valid SpEL expression"));
    }

    @Test
    void bothAnnotationsOnOneMethod() {
        runner.withBean(BothAnnotations.class).run(context -> assertThat(messages(context))
                .contains("confused").contains("Keep one of them"));
    }

    @Test
    void anAnnotationAProxyCannotApplyIsAWarningNamingTheMethod(CapturedOutput output) {
        runner.withBean(Unproxyable.class).run(context -> {
            assertThat(context).hasNotFailed();
            context.getBean(Unproxyable.class).callsHidden();
        });
        assertThat(output).contains(Unproxyable.class.getName() + ".hidden(..) has no effect").contains("private");
        assertThat(output).contains(Unproxyable.class.getName() + ".sealed(..) has no effect").contains("final");
    }

}
