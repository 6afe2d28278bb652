package io.ironfence.spring;

import io.ironfence.Mutex;
import io.ironfence.MutexGuard;
import io.ironfence.annotation.WithLock;
import io.ironfence.spring.boot.actuate.LocksEndpoint;
import io.ironfence.spring.boot.autoconfigure.IronFenceAutoConfiguration;
import io.ironfence.spring.boot.autoconfigure.IronFenceEndpointAutoConfiguration;
import io.ironfence.spring.boot.autoconfigure.IronFenceMetricsAutoConfiguration;
import io.ironfence.spring.micrometer.LockRegistryMetrics;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;
import static org.awaitility.Awaitility.await;

/**
 * Threads deadlocked on IronFence locks are reported: on the second consecutive look, once, with
 * the threads, the locks each holds and waits for, and the annotated methods; virtual threads too,
 * which the JDK's own detector does not see.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
@ExtendWith(OutputCaptureExtension.class)
class DeadlockDetectorTest {

    /** Takes its own lock, waits until the other side has taken its own, then asks for the other's. */
    public static class Accounts {
        private Ledger ledger;

        public void setLedger(Ledger ledger) {
            this.ledger = ledger;
        }

        @WithLock("accounts")
        public void transferToLedger(CountDownLatch bothHold) throws InterruptedException {
            bothHold.countDown();
            bothHold.await();
            ledger.credit();
        }

        @WithLock("accounts")
        public void debit() {
        }
    }

    public static class Ledger {
        private Accounts accounts;

        public void setAccounts(Accounts accounts) {
            this.accounts = accounts;
        }

        @WithLock("ledger")
        public void refundToAccounts(CountDownLatch bothHold) throws InterruptedException {
            bothHold.countDown();
            bothHold.await();
            accounts.debit();
        }

        @WithLock("ledger")
        public void credit() {
        }
    }

    @Test
    void aCycleIsReportedOnTheSecondConsecutiveLookOnly() throws Exception {
        NamedLockRegistry registry = new NamedLockRegistry();
        DeadlockDetector detector = new DeadlockDetector(registry);
        Mutex<Object> accounts = registry.getMutex("accounts");
        Mutex<Object> ledger = registry.getMutex("ledger");
        ExecutorService threads = Executors.newFixedThreadPool(2);
        try {
            CountDownLatch bothHold = new CountDownLatch(2);
            Future<?> first = threads.submit(() -> takeBoth(accounts, ledger, bothHold));
            Future<?> second = threads.submit(() -> takeBoth(ledger, accounts, bothHold));
            await().until(() -> accounts.getQueueLength() == 1 && ledger.getQueueLength() == 1);

            detector.check();
            assertThat(detector.getDeadlocks()).isEmpty(); // seen once: could be a hand-off caught mid-way
            detector.check();
            assertThat(detector.getDeadlocks()).hasSize(1);
            List<DeadlockDetector.DeadlockedThread> cycle = detector.getDeadlocks().get(0);
            assertThat(cycle).extracting(DeadlockDetector.DeadlockedThread::waitsFor)
                    .containsExactlyInAnyOrder("accounts", "ledger");
            assertThat(cycle).allSatisfy(thread -> assertThat(thread.holds()).hasSize(1)
                    .doesNotContain(thread.waitsFor()));
            detector.check();
            assertThat(detector.getDeadlocksFound()).isEqualTo(1); // reported once, however long it lasts

            first.cancel(true); // interrupts: the interruptible wait gives up and the cycle ends
            second.cancel(true);
            await().until(() -> !accounts.isLocked() && !ledger.isLocked());
            detector.check();
            assertThat(detector.getDeadlocks()).isEmpty();
        } finally {
            threads.shutdownNow();
        }
    }

    @Test
    void waitsThatAreNotACycleAreNotReported() throws Exception {
        NamedLockRegistry registry = new NamedLockRegistry();
        DeadlockDetector detector = new DeadlockDetector(registry);
        Mutex<Object> accounts = registry.getMutex("accounts");
        try (MutexGuard<Object> held = accounts.lock()) {
            Thread waiter = new Thread(() -> accounts.lock().close());
            waiter.start();
            await().until(() -> accounts.getQueueLength() == 1);
            detector.check();
            detector.check();
            assertThat(detector.getDeadlocks()).isEmpty();
            held.close();
            waiter.join();
        }
    }

    private static Void takeBoth(Mutex<Object> outer, Mutex<Object> inner, CountDownLatch bothHold)
            throws InterruptedException {
        try (MutexGuard<Object> held = outer.lock()) {
            bothHold.countDown();
            bothHold.await();
            inner.lockInterruptibly().close();
        }
        return null;
    }

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(IronFenceAutoConfiguration.class,
                    IronFenceMetricsAutoConfiguration.class, IronFenceEndpointAutoConfiguration.class))
            .withPropertyValues("management.endpoints.web.exposure.include=locks")
            .withBean(Accounts.class).withBean(Ledger.class);

    @Test
    void annotatedPlatformThreadsInACycleAreLoggedCountedAndShownByTheEndpoint(CapturedOutput output) {
        runner.run(context -> deadlockAnnotatedMethods(context.getBean(Accounts.class), context.getBean(Ledger.class),
                Executors.newFixedThreadPool(2), context.getBean(LocksEndpoint.class),
                context.getBean(LockRegistryMetrics.class), output, false));
    }

    @Test
    void virtualThreadsInACycleAreFoundWhereTheJdkSeesNothing(CapturedOutput output) throws Exception {
        assumeThat(Runtime.version().feature()).as("virtual threads need Java 21").isGreaterThanOrEqualTo(21);
        ExecutorService virtualThreads = (ExecutorService) Executors.class.getMethod("newVirtualThreadPerTaskExecutor")
                .invoke(null);
        runner.run(context -> deadlockAnnotatedMethods(context.getBean(Accounts.class), context.getBean(Ledger.class),
                virtualThreads, context.getBean(LocksEndpoint.class), context.getBean(LockRegistryMetrics.class),
                output, true));
    }

    private static void deadlockAnnotatedMethods(Accounts accounts, Ledger ledger, ExecutorService threads,
            LocksEndpoint endpoint, LockRegistryMetrics metrics, CapturedOutput output, boolean virtual)
            throws Exception {
        accounts.setLedger(ledger); // the proxies: each nested call takes the other lock
        ledger.setAccounts(accounts);
        MeterRegistry meters = new SimpleMeterRegistry();
        metrics.bindTo(meters);
        try {
            CountDownLatch bothHold = new CountDownLatch(2);
            Future<?> first = threads.submit(() -> {
                accounts.transferToLedger(bothHold);
                return null;
            });
            Future<?> second = threads.submit(() -> {
                ledger.refundToAccounts(bothHold);
                return null;
            });
            // The periodic check (every second) confirms the cycle on its second look.
            await().atMost(Duration.ofSeconds(20)).until(() -> !endpoint.locks().deadlocks().isEmpty());
            List<DeadlockDetector.DeadlockedThread> cycle = endpoint.locks().deadlocks().get(0);
            assertThat(cycle).hasSize(2).allSatisfy(thread -> assertThat(thread.virtual()).isEqualTo(virtual));
            assertThat(cycle).flatExtracting(DeadlockDetector.DeadlockedThread::methods)
                    .anySatisfy(method -> assertThat(method).contains("transferToLedger"))
                    .anySatisfy(method -> assertThat(method).contains("refundToAccounts"));
            assertThat(output).contains("Deadlock: 2 threads wait for IronFence locks held by each other");
            assertThat(meters.get(LockRegistryMetrics.DEADLOCKS).functionCounter().count()).isEqualTo(1);
            long[] jdk = ManagementFactory.getThreadMXBean().findDeadlockedThreads();
            if (virtual) {
                assertThat(jdk).isNull(); // "cycles that include virtual threads are not found"
            } else {
                assertThat(jdk).hasSize(2);
            }
            first.cancel(true);
            second.cancel(true);
        } finally {
            threads.shutdownNow();
            assertThat(threads.awaitTermination(20, TimeUnit.SECONDS)).isTrue();
        }
    }
}
