package io.ironfence.micrometer;

import io.ironfence.Mutex;
import io.ironfence.MutexGuard;
import io.ironfence.RWLock;
import io.ironfence.ReadGuard;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static io.ironfence.micrometer.LockMetrics.CONTENDED;
import static io.ironfence.micrometer.LockMetrics.HELD;
import static io.ironfence.micrometer.LockMetrics.HOLDERS;
import static io.ironfence.micrometer.LockMetrics.LOCK_TAG;
import static io.ironfence.micrometer.LockMetrics.MODE_TAG;
import static io.ironfence.micrometer.LockMetrics.OUTCOME_TAG;
import static io.ironfence.micrometer.LockMetrics.WAIT;
import static io.ironfence.micrometer.LockMetrics.WAITING;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class LockMetricsTest {

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

    @Test
    void everyMeterExistsAtZeroOnceBound() {
        LockMetrics.of(Mutex.named("ledger", 0)).bindTo(registry);
        assertThat(registry.get(WAIT).tags(LOCK_TAG, "ledger").timers()).hasSize(5); // one per outcome
        assertThat(waitCount(registry, "ledger", "exclusive", "acquired")).isZero();
        assertThat(registry.get(HELD).tags(LOCK_TAG, "ledger", MODE_TAG, "exclusive").timer().count()).isZero();
        assertThat(registry.get(CONTENDED).tags(LOCK_TAG, "ledger").counter().count()).isZero();
        assertThat(registry.get(WAITING).tags(LOCK_TAG, "ledger").gauge().value()).isZero();
        assertThat(registry.get(HOLDERS).tags(LOCK_TAG, "ledger").gauge().value()).isZero();
        // A mutex is never shared: no shared-mode meters to clutter dashboards.
        assertThat(registry.find(HELD).tags(MODE_TAG, "shared").timer()).isNull();
    }

    @Test
    void recordsAcquisitionsContentionHoldsAndGaugesThatReturnToZero() throws Exception {
        Mutex<Integer> mu = Mutex.named("ledger", 0);
        LockMetrics.of(mu).bindTo(registry);
        try (MutexGuard<Integer> g = mu.lock()) {
            g.set(1);
        }
        assertThat(waitCount(registry, "ledger", "exclusive", "acquired")).isOne();

        MutexGuard<Integer> held = mu.lock();
        CompletableFuture<Void> waiter = CompletableFuture.runAsync(() -> mu.lock().close());
        await().atMost(Duration.ofSeconds(10)).until(() -> mu.getQueueLength() == 1);
        assertThat(registry.get(WAITING).tags(LOCK_TAG, "ledger").gauge().value()).isOne();
        assertThat(registry.get(HOLDERS).tags(LOCK_TAG, "ledger").gauge().value()).isOne();
        held.close();
        waiter.get();

        assertThat(waitCount(registry, "ledger", "exclusive", "acquired")).isEqualTo(3);
        assertThat(registry.get(CONTENDED).tags(LOCK_TAG, "ledger", MODE_TAG, "exclusive").counter().count())
                .isOne();
        assertThat(registry.get(HELD).tags(LOCK_TAG, "ledger", MODE_TAG, "exclusive").timer().count())
                .isEqualTo(3);
        assertThat(registry.get(WAITING).tags(LOCK_TAG, "ledger").gauge().value()).isZero();
        assertThat(registry.get(HOLDERS).tags(LOCK_TAG, "ledger").gauge().value()).isZero();
    }

    @Test
    void recordsTimeoutsCancellationsAndInterruptsAsOutcomes() throws Exception {
        Mutex<Integer> mu = Mutex.named("ledger", 0);
        LockMetrics.of(mu).bindTo(registry);
        MutexGuard<Integer> held = CompletableFuture.supplyAsync(mu::lock).get();
        assertThat(mu.tryLock(Duration.ofMillis(1))).isEmpty();
        assertThat(mu.lockAsync().cancel(false)).isTrue();
        Thread waiter = new Thread(() -> {
            try {
                mu.lockInterruptibly().close();
            } catch (InterruptedException expected) {
                // the outcome we want recorded
            }
        });
        waiter.start();
        await().atMost(Duration.ofSeconds(10)).until(() -> mu.getQueueLength() == 1);
        waiter.interrupt();
        waiter.join();
        held.close();
        assertThat(waitCount(registry, "ledger", "exclusive", "timeout")).isOne();
        assertThat(waitCount(registry, "ledger", "exclusive", "cancelled")).isOne();
        assertThat(waitCount(registry, "ledger", "exclusive", "interrupted")).isOne();
        assertThat(waitCount(registry, "ledger", "exclusive", "acquired")).isOne();
    }

    @Test
    void readersAreSharedHoldersAndEveryBoundRegistryRecords() {
        RWLock<Integer> rw = RWLock.named("catalogue", 0);
        MeterRegistry second = new SimpleMeterRegistry();
        LockMetrics metrics = LockMetrics.of(rw, Tags.of("app", "shop"));
        metrics.bindTo(registry);
        metrics.bindTo(second);
        try (ReadGuard<Integer> a = rw.read(); ReadGuard<Integer> b = rw.read()) {
            assertThat(registry.get(HOLDERS).tags(LOCK_TAG, "catalogue", "app", "shop").gauge().value())
                    .isEqualTo(2);
        }
        rw.write().close();
        for (MeterRegistry r : new MeterRegistry[] {registry, second}) {
            assertThat(waitCount(r, "catalogue", "shared", "acquired")).isEqualTo(2);
            assertThat(waitCount(r, "catalogue", "exclusive", "acquired")).isOne();
            assertThat(r.get(HELD).tags(LOCK_TAG, "catalogue", MODE_TAG, "shared").timer().count())
                    .isEqualTo(2);
        }
    }

    private static long waitCount(MeterRegistry registry, String lock, String mode, String outcome) {
        return registry.get(WAIT).tags(LOCK_TAG, lock, MODE_TAG, mode, OUTCOME_TAG, outcome).timer().count();
    }
}
