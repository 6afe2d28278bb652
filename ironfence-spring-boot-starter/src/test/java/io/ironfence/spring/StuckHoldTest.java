package io.ironfence.spring;

import io.ironfence.Mutex;
import io.ironfence.MutexGuard;
import io.ironfence.annotation.WithLock;
import io.ironfence.spring.boot.actuate.LocksEndpoint;
import io.ironfence.spring.boot.autoconfigure.IronFenceAutoConfiguration;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** A hold longer than the lock's threshold is logged once, naming lock, holder and method. */
@ExtendWith(OutputCaptureExtension.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class StuckHoldTest {

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(IronFenceAutoConfiguration.class))
            .withUserConfiguration(Batch.Config.class)
            .withPropertyValues("ironfence.locks.nightly.warn-held-longer-than=100ms");

    public static class Batch {
        @WithLock("nightly")
        public void run(CountDownLatch entered, CountDownLatch finish) throws InterruptedException {
            entered.countDown();
            finish.await(30, TimeUnit.SECONDS);
        }

        @Configuration(proxyBeanMethods = false)
        static class Config {
            @Bean
            Batch batch() {
                return new Batch();
            }
        }
    }

    @Test
    void aLongHoldIsLoggedOnceAndFlaggedByTheEndpoint(CapturedOutput output) {
        runner.run(context -> {
            Batch batch = context.getBean(Batch.class);
            CountDownLatch entered = new CountDownLatch(1);
            CountDownLatch finish = new CountDownLatch(1);
            CompletableFuture<Void> running = CompletableFuture.runAsync(() -> {
                try {
                    batch.run(entered, finish);
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            });
            assertThat(entered.await(10, TimeUnit.SECONDS)).isTrue();
            await().atMost(Duration.ofSeconds(10)).until(() -> output.getOut().contains("Lock 'nightly' has been held"));
            LocksEndpoint endpoint = new LocksEndpoint(context.getBean(NamedLockRegistry.class));
            assertThat(endpoint.locks().locks().get("nightly").stuck()).isOne();
            assertThat(endpoint.lock("nightly").currentHolders()).singleElement()
                    .satisfies(holder -> assertThat(holder.stuck()).isTrue());
            // Several more checks pass while it is still held: still one warning.
            context.getBean(StuckHoldDetector.class).check();
            context.getBean(StuckHoldDetector.class).check();
            finish.countDown();
            running.get();
            assertThat(endpoint.locks().locks().get("nightly").stuck()).isZero();
        });
        String log = output.getOut();
        assertThat(log.split("Lock 'nightly' has been held", -1)).hasSize(2);
        assertThat(log).contains("warn-held-longer-than=100ms").contains("@WithLock(\"nightly\") on "
                + Batch.class.getName() + ".run(..)").contains("thread '");
    }

    @Test
    void theWarningCanCarryWhereTheLockWasTaken(CapturedOutput output) {
        runner.withPropertyValues("ironfence.capture-acquisition-stack-trace=true").run(context -> {
            Mutex<Object> nightly = context.getBean(NamedLockRegistry.class).getMutex("nightly");
            try (MutexGuard<Object> held = nightly.lock()) {
                await().atMost(Duration.ofSeconds(10)).until(() -> output.getOut().contains("acquired here"));
            }
        });
        assertThat(output.getOut()).contains("Lock 'nightly' acquired here")
                .contains(StuckHoldTest.class.getName() + ".lambda$theWarningCanCarryWhereTheLockWasTaken");
    }
}
