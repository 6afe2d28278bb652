package io.ironfence.spring.micrometer;

import io.ironfence.Mutex;
import io.ironfence.MutexGuard;
import io.ironfence.annotation.ReadLocked;
import io.ironfence.annotation.WithLock;
import io.ironfence.spring.NamedLockRegistry;
import io.ironfence.spring.boot.autoconfigure.IronFenceAutoConfiguration;
import io.ironfence.spring.boot.autoconfigure.IronFenceMetricsAutoConfiguration;

import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
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

/** The lock meters of every registered lock, driven by real acquisitions through the annotations. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class LockRegistryMetricsTest {

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(IronFenceAutoConfiguration.class,
                    IronFenceMetricsAutoConfiguration.class))
            .withUserConfiguration(Shop.Config.class)
            .withPropertyValues("ironfence.locks.inventory.type=rwlock", "ironfence.locks.ledger.type=mutex");

    public static class Shop {
        @ReadLocked("inventory")
        public int stock() {
            return 1;
        }

        @WithLock("orders")
        public void order(CountDownLatch entered, CountDownLatch leave) throws InterruptedException {
            entered.countDown();
            leave.await(10, TimeUnit.SECONDS);
        }

        @WithLock(value = "cart", key = "#customer")
        public String add(String customer) {
            return customer;
        }

        @Configuration(proxyBeanMethods = false)
        static class Config {
            @Bean
            Shop shop() {
                return new Shop();
            }

            @Bean
            Mutex<StringBuilder> audit() {
                return new Mutex<>(new StringBuilder());
            }
        }
    }

    @Test
    void everyLockKnownAtStartUpHasItsMetersAtZero() {
        runner.run(context -> {
            MeterRegistry registry = bind(context.getBean(LockRegistryMetrics.class));
            // declared in properties, an application bean, and names used by annotations
            for (String lock : new String[] {"inventory", "ledger", "audit", "orders", "cart"}) {
                assertThat(registry.get(WAIT).tags(LOCK_TAG, lock, OUTCOME_TAG, "acquired").timers())
                        .as(lock).isNotEmpty().allSatisfy(timer -> assertThat(timer.count()).isZero());
                assertThat(registry.get(WAITING).tags(LOCK_TAG, lock).gauge().value()).isZero();
                assertThat(registry.get(HOLDERS).tags(LOCK_TAG, lock).gauge().value()).isZero();
                assertThat(registry.get(CONTENDED).tags(LOCK_TAG, lock).counters()).isNotEmpty();
                assertThat(registry.get(HELD).tags(LOCK_TAG, lock).timers()).isNotEmpty();
            }
            assertThat(registry.find(HELD).tags(LOCK_TAG, "inventory", MODE_TAG, "shared").timer()).isNotNull();
        });
    }

    @Test
    void contentionShowsInCountsGaugesAndOutcomes() {
        runner.run(context -> {
            MeterRegistry registry = bind(context.getBean(LockRegistryMetrics.class));
            Shop shop = context.getBean(Shop.class);
            CountDownLatch entered = new CountDownLatch(1);
            CountDownLatch leave = new CountDownLatch(1);
            // Own threads: both calls block, and the common pool may have a single thread on a small machine.
            ExecutorService callers = Executors.newFixedThreadPool(2);
            CompletableFuture<Void> first = CompletableFuture.runAsync(() -> order(shop, entered, leave), callers);
            assertThat(entered.await(10, TimeUnit.SECONDS)).isTrue();
            CompletableFuture<Void> second = CompletableFuture.runAsync(
                    () -> order(shop, new CountDownLatch(1), leave), callers);
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> registry.get(WAITING).tags(LOCK_TAG, "orders").gauge().value() == 1);
            assertThat(registry.get(HOLDERS).tags(LOCK_TAG, "orders").gauge().value()).isOne();
            leave.countDown();
            first.get();
            second.get();
            callers.shutdown();
            assertThat(registry.get(WAIT).tags(LOCK_TAG, "orders", MODE_TAG, "exclusive", OUTCOME_TAG, "acquired")
                    .timer().count()).isEqualTo(2);
            assertThat(registry.get(CONTENDED).tags(LOCK_TAG, "orders", MODE_TAG, "exclusive").counter().count())
                    .isOne();
            assertThat(registry.get(HELD).tags(LOCK_TAG, "orders").timer().count()).isEqualTo(2);
            assertThat(registry.get(WAITING).tags(LOCK_TAG, "orders").gauge().value()).isZero();
            assertThat(registry.get(HOLDERS).tags(LOCK_TAG, "orders").gauge().value()).isZero();
            shop.stock();
            assertThat(registry.get(WAIT).tags(LOCK_TAG, "inventory", MODE_TAG, "shared", OUTCOME_TAG, "acquired")
                    .timer().count()).isOne();
        });
    }

    @Test
    void keyedLocksReportUnderTheirNameOnlyAndLeaveNoMetersBehind() {
        runner.run(context -> {
            MeterRegistry registry = bind(context.getBean(LockRegistryMetrics.class));
            int metersBefore = registry.getMeters().size();
            Shop shop = context.getBean(Shop.class);
            for (int i = 0; i < 1_000; i++) {
                shop.add("customer-" + i);
            }
            assertThat(registry.get(WAIT).tags(LOCK_TAG, "cart", OUTCOME_TAG, "acquired").timer().count())
                    .isEqualTo(1_000);
            assertThat(registry.getMeters()).hasSize(metersBefore);
            for (Meter meter : registry.getMeters()) {
                assertThat(meter.getId().getTags()).allSatisfy(tag -> assertThat(tag.getValue()).doesNotContain("customer-"));
            }
        });
    }

    @Test
    void aRegistryBoundLaterAndLocksCreatedLaterAreCovered() {
        runner.run(context -> {
            LockRegistryMetrics metrics = context.getBean(LockRegistryMetrics.class);
            MeterRegistry first = bind(metrics);
            Mutex<Object> late = context.getBean(NamedLockRegistry.class).getMutex("created-later");
            try (MutexGuard<Object> g = late.lock()) {
                assertThat(first.get(HOLDERS).tags(LOCK_TAG, "created-later").gauge().value()).isOne();
            }
            MeterRegistry second = bind(metrics);
            late.lock().close();
            assertThat(first.get(WAIT).tags(LOCK_TAG, "created-later", OUTCOME_TAG, "acquired").timer().count())
                    .isEqualTo(2);
            assertThat(second.get(WAIT).tags(LOCK_TAG, "created-later", OUTCOME_TAG, "acquired").timer().count())
                    .isOne();
        });
    }

    @Test
    void withoutMicrometerEverythingElseStillWorks() {
        runner.withClassLoader(new FilteredClassLoader("io.micrometer.")).run(context -> {
            assertThat(context).hasNotFailed().doesNotHaveBean(LockRegistryMetrics.class);
            assertThat(context.getBean(Shop.class).add("ada")).isEqualTo("ada");
        });
    }

    private static MeterRegistry bind(LockRegistryMetrics metrics) {
        MeterRegistry registry = new SimpleMeterRegistry();
        metrics.bindTo(registry);
        return registry;
    }

    private static void order(Shop shop, CountDownLatch entered, CountDownLatch leave) {
        try {
            shop.order(entered, leave);
        } catch (InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }
}
