package io.ironfence.spring.aop;

import io.ironfence.LockQueueFullException;
import io.ironfence.LockTimeoutException;
import io.ironfence.LockUnavailableException;
import io.ironfence.Mutex;
import io.ironfence.MutexGuard;
import io.ironfence.annotation.ReadLocked;
import io.ironfence.annotation.WithLock;
import io.ironfence.micrometer.LockMetrics;
import io.ironfence.spring.KeyedLock;
import io.ironfence.spring.NamedLock;
import io.ironfence.spring.NamedLockRegistry;
import io.ironfence.spring.boot.actuate.LocksEndpoint;
import io.ironfence.spring.boot.autoconfigure.IronFenceAutoConfiguration;
import io.ironfence.spring.boot.autoconfigure.IronFenceEndpointAutoConfiguration;
import io.ironfence.spring.boot.autoconfigure.IronFenceMetricsAutoConfiguration;
import io.ironfence.spring.micrometer.LockRegistryMetrics;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import reactor.core.publisher.Mono;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * max-waiting through the annotations: a call that finds the queue full fails at once with
 * {@link LockQueueFullException}, its method never runs, and meters and endpoint count it; the
 * defaults a service gets without configuring anything.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class BoundedWaitingTest {

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(IronFenceAutoConfiguration.class,
                    IronFenceMetricsAutoConfiguration.class, IronFenceEndpointAutoConfiguration.class))
            .withPropertyValues("management.endpoints.web.exposure.include=locks")
            .withUserConfiguration(Config.class);

    public static class Shipping {
        final AtomicInteger bodies = new AtomicInteger();

        public int bodies() {
            return bodies.get(); // through the proxy: its own fields are not the target's
        }

        @WithLock("shipping")
        public String bookBlocking(String id) {
            bodies.incrementAndGet();
            return id;
        }

        @WithLock("shipping")
        public CompletableFuture<String> book(String id) {
            bodies.incrementAndGet();
            return CompletableFuture.completedFuture(id);
        }

        @WithLock("shipping")
        public Mono<String> bookReactive(String id) {
            return Mono.fromSupplier(() -> {
                bodies.incrementAndGet();
                return id;
            });
        }

        @ReadLocked("catalogue")
        public CompletableFuture<String> browse() {
            bodies.incrementAndGet();
            return CompletableFuture.completedFuture("page");
        }

        @WithLock(value = "owner", key = "#owner")
        public CompletableFuture<String> edit(String owner) {
            bodies.incrementAndGet();
            return CompletableFuture.completedFuture(owner);
        }

        @WithLock("undeclared")
        public CompletableFuture<String> undeclared() {
            return CompletableFuture.completedFuture("ok");
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class Config {
        @Bean
        Shipping shipping() {
            return new Shipping();
        }
    }

    @Test
    void aFullQueueFailsEveryKindOfCallAtOnceWithoutRunningIt() {
        runner.withPropertyValues("ironfence.locks.shipping.max-waiting=2").run(context -> {
            Shipping shipping = context.getBean(Shipping.class);
            MeterRegistry meters = new SimpleMeterRegistry();
            context.getBean(LockRegistryMetrics.class).bindTo(meters);
            Mutex<Object> lock = context.getBean(NamedLockRegistry.class).getMutex("shipping");
            MutexGuard<Object> held = lock.lockAsync().join();
            CompletableFuture<String> first = shipping.book("1");
            CompletableFuture<String> second = shipping.book("2");
            assertThat(lock.getQueueLength()).isEqualTo(2);

            assertThatThrownBy(() -> shipping.bookBlocking("3")).isInstanceOf(LockQueueFullException.class)
                    .isInstanceOf(LockUnavailableException.class)
                    .hasMessageContaining("2 requests already wait for it")
                    .hasMessageContaining("ironfence.locks.shipping.max-waiting")
                    .hasMessageContaining("bookBlocking");
            assertThatThrownBy(() -> shipping.book("4").join()).hasCauseInstanceOf(LockQueueFullException.class);
            assertThatThrownBy(() -> shipping.bookReactive("5").block()).isInstanceOf(LockQueueFullException.class);
            assertThat(shipping.bodies()).isEqualTo(0);

            held.close();
            assertThat(first.join()).isEqualTo("1");
            assertThat(second.join()).isEqualTo("2");
            assertThat(shipping.bodies()).isEqualTo(2);
            assertThat(lock.isLocked()).isFalse();

            assertThat(meters.get(LockMetrics.WAIT).tags(LockMetrics.LOCK_TAG, "shipping", LockMetrics.OUTCOME_TAG,
                    "rejected").timer().count()).isEqualTo(3);
            LocksEndpoint.LockDescriptor described = context.getBean(LocksEndpoint.class).locks().locks().get("shipping");
            assertThat(described.rejections()).isEqualTo(3);
            assertThat(described.maxWaiting()).isEqualTo(2);
        });
    }

    @Test
    void readersAndWritersShareTheBound() {
        runner.withPropertyValues("ironfence.locks.catalogue.type=rwlock", "ironfence.locks.catalogue.max-waiting=1")
                .run(context -> {
                    Shipping shipping = context.getBean(Shipping.class);
                    var lock = context.getBean(NamedLockRegistry.class).getRWLock("catalogue");
                    var writer = lock.writeAsync().join();
                    CompletableFuture<String> reader = shipping.browse();
                    assertThatThrownBy(() -> shipping.browse().join()).hasCauseInstanceOf(LockQueueFullException.class);
                    writer.close();
                    assertThat(reader.join()).isEqualTo("page");
                });
    }

    @Test
    void keyedLocksBoundEachKeyAndAllKeysTogether() {
        runner.withPropertyValues("ironfence.locks.owner.keyed=true", "ironfence.locks.owner.max-waiting=1",
                "ironfence.locks.owner.max-waiting-total=2").run(context -> {
            Shipping shipping = context.getBean(Shipping.class);
            KeyedLock owners = context.getBean(NamedLockRegistry.class).getKeyed("owner");
            List<AutoCloseable> holds = new ArrayList<>();
            for (String key : List.of("a", "b", "c")) {
                holds.add(owners.lockAsync(key).join());
            }
            CompletableFuture<String> a = shipping.edit("a");
            assertThatThrownBy(() -> shipping.edit("a").join()).hasCauseInstanceOf(LockQueueFullException.class)
                    .hasMessageContaining("for this key").hasMessageContaining("ironfence.locks.owner.max-waiting)");
            CompletableFuture<String> b = shipping.edit("b");
            assertThatThrownBy(() -> shipping.edit("c").join()).hasCauseInstanceOf(LockQueueFullException.class)
                    .hasMessageContaining("its keys together").hasMessageContaining("max-waiting-total");
            for (AutoCloseable hold : holds) {
                hold.close();
            }
            assertThat(a.join()).isEqualTo("a");
            assertThat(b.join()).isEqualTo("b");
            assertThat(shipping.bodies()).isEqualTo(2);
            NamedLock named = context.getBean(NamedLockRegistry.class).get("owner");
            assertThat(named.getKeysWaitingLimit()).hasValueSatisfying(limit -> assertThat(limit.getWaiting()).isZero());
            await().until(() -> named.getLiveKeyCount() == 0); // every key let go, rejected ones too
        });
    }

    @Test
    void servicesGetABoundedQueueAndNoTimeoutByDefault() {
        runner.run(context -> {
            NamedLockRegistry registry = context.getBean(NamedLockRegistry.class);
            context.getBean(Shipping.class).undeclared().join();
            NamedLock undeclared = registry.get("undeclared");
            assertThat(undeclared.getMaxWaiting()).isEqualTo(NamedLockRegistry.DEFAULT_MAX_WAITING).isEqualTo(1000);
            assertThat(undeclared.getTimeout()).isEmpty();
            assertThat(registry.get("shipping").getMaxWaiting()).isEqualTo(1000);
        });
        runner.withPropertyValues("ironfence.locks.owner.keyed=true").run(context -> assertThat(
                context.getBean(NamedLockRegistry.class).get("owner").getKeysWaitingLimit())
                .hasValueSatisfying(limit -> assertThat(limit.getMax()).isEqualTo(10_000)));
    }

    @Test
    void globalDefaultsApplyToLocksThatSetNone() {
        runner.withPropertyValues("ironfence.timeout=20ms", "ironfence.max-waiting=5",
                "ironfence.locks.catalogue.type=rwlock", "ironfence.locks.catalogue.max-waiting=7",
                "ironfence.locks.catalogue.timeout=1s").run(context -> {
            NamedLockRegistry registry = context.getBean(NamedLockRegistry.class);
            assertThat(registry.get("shipping").getMaxWaiting()).isEqualTo(5);
            assertThat(registry.get("shipping").getTimeout()).contains(Duration.ofMillis(20));
            assertThat(registry.get("catalogue").getMaxWaiting()).isEqualTo(7);
            assertThat(registry.get("catalogue").getTimeout()).contains(Duration.ofSeconds(1));
            Mutex<Object> lock = registry.getMutex("shipping");
            try (MutexGuard<Object> held = lock.lockAsync().join()) {
                assertThatThrownBy(() -> context.getBean(Shipping.class).bookBlocking("late"))
                        .isInstanceOf(LockTimeoutException.class);
            }
        });
    }

    @Test
    void applicationLockBeansKeepTheirOwnBoundUnlessOneIsDeclared() {
        runner.withBean("ledger", Mutex.class, () -> new Mutex<>(0)).run(context ->
                assertThat(context.getBean(NamedLockRegistry.class).get("ledger").getMaxWaiting())
                        .isEqualTo(Integer.MAX_VALUE));
        runner.withBean("ledger", Mutex.class, () -> new Mutex<>(0))
                .withPropertyValues("ironfence.locks.ledger.max-waiting=3").run(context ->
                        assertThat(context.getBean(NamedLockRegistry.class).get("ledger").getMaxWaiting()).isEqualTo(3));
    }

    @Test
    void badBoundsFailTheStartUpSayingWhatToChange() {
        runner.withPropertyValues("ironfence.locks.shipping.max-waiting=-1").run(context ->
                assertThat(context).getFailure().hasStackTraceContaining("ironfence.locks.shipping")
                        .hasStackTraceContaining("0 or more"));
        runner.withPropertyValues("ironfence.locks.shipping.max-waiting-total=5").run(context ->
                assertThat(context).getFailure().hasStackTraceContaining("ironfence.locks.shipping")
                        .hasStackTraceContaining("not keyed"));
        runner.withPropertyValues("ironfence.locks.payouts.scope=cluster", "ironfence.locks.payouts.max-waiting=5")
                .run(context -> assertThat(context).getFailure().hasStackTraceContaining("ironfence.locks.payouts")
                        .hasStackTraceContaining("not supported for scope: cluster"));
        runner.withPropertyValues("ironfence.max-waiting=-3").run(context ->
                assertThat(context).getFailure().hasStackTraceContaining("ironfence.max-waiting"));
    }
}
