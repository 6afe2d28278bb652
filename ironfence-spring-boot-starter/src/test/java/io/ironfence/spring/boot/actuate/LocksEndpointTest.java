package io.ironfence.spring.boot.actuate;

import io.ironfence.Mutex;
import io.ironfence.MutexGuard;
import io.ironfence.RWLock;
import io.ironfence.ReadGuard;
import io.ironfence.spring.NamedLockRegistry;
import io.ironfence.spring.boot.autoconfigure.IronFenceAutoConfiguration;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;

/** What the endpoint says of each kind of lock and holder. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class LocksEndpointTest {

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(IronFenceAutoConfiguration.class))
            .withUserConfiguration(Locks.class)
            .withPropertyValues("ironfence.locks.catalogue.type=rwlock", "ironfence.locks.catalogue.timeout=250ms");

    @Configuration(proxyBeanMethods = false)
    static class Locks {
        @Bean
        Mutex<String> ledger() {
            return new Mutex<>("secret balance");
        }
    }

    @Test
    void sharedHoldersAreCountedEach() {
        runner.run(context -> {
            LocksEndpoint endpoint = new LocksEndpoint(context.getBean(NamedLockRegistry.class));
            RWLock<Object> catalogue = context.getBean(NamedLockRegistry.class).getRWLock("catalogue");
            try (ReadGuard<Object> a = catalogue.read(); ReadGuard<Object> b = catalogue.read()) {
                LocksEndpoint.LockDetailsDescriptor details = endpoint.lock("catalogue");
                assertThat(details.type()).isEqualTo("rwlock");
                assertThat(details.origin()).isEqualTo("properties");
                assertThat(details.timeout()).isEqualTo("PT0.25S");
                assertThat(details.holders()).isEqualTo(2);
                assertThat(details.currentHolders()).hasSize(2)
                        .allSatisfy(holder -> assertThat(holder.mode()).isEqualTo("shared"))
                        .allSatisfy(holder -> assertThat(holder.method()).isNull()); // taken by code
                assertThat(endpoint.locks().locks().get("catalogue").oldestHoldMillis()).isNotNull();
            }
            assertThat(endpoint.lock("catalogue").currentHolders()).isEmpty();
            assertThat(endpoint.locks().locks().get("catalogue").acquisitions()).isEqualTo(2);
        });
    }

    @Test
    void anAsyncHolderIsATaskAndTheGuardedValueIsNeverShown() {
        runner.run(context -> {
            LocksEndpoint endpoint = new LocksEndpoint(context.getBean(NamedLockRegistry.class));
            @SuppressWarnings("unchecked")
            Mutex<String> ledger = (Mutex<String>) context.getBean("ledger");
            try (MutexGuard<String> held = ledger.lockAsync().get()) {
                LocksEndpoint.LockDetailsDescriptor details = endpoint.lock("ledger");
                assertThat(details.origin()).isEqualTo("bean");
                assertThat(details.currentHolders()).singleElement().satisfies(holder -> {
                    assertThat(holder.async()).isTrue();
                    assertThat(holder.thread()).isNull();
                    assertThat(holder.mode()).isEqualTo("exclusive");
                });
                assertThat(details.toString()).doesNotContain("secret balance");
            }
        });
    }

    @Test
    void countsContentionTimeoutsAndCancellations() {
        runner.run(context -> {
            LocksEndpoint endpoint = new LocksEndpoint(context.getBean(NamedLockRegistry.class));
            Mutex<Object> ledger = context.getBean(NamedLockRegistry.class).getMutex("ledger");
            CompletableFuture<MutexGuard<Object>> queued;
            try (MutexGuard<Object> held = CompletableFuture.supplyAsync(ledger::lock).get()) {
                assertThat(ledger.tryLock()).isEmpty();
                assertThat(ledger.lockAsync().cancel(false)).isTrue();
                queued = ledger.lockAsync();
                LocksEndpoint.LockDescriptor summary = endpoint.locks().locks().get("ledger");
                assertThat(summary.timeouts()).isOne();
                assertThat(summary.cancellations()).isOne();
                assertThat(summary.waiting()).isOne();
                assertThat(summary.contended()).isZero();
            }
            queued.join().close();
            LocksEndpoint.LockDescriptor summary = endpoint.locks().locks().get("ledger");
            assertThat(summary.acquisitions()).isEqualTo(2);
            assertThat(summary.contended()).as("the grant that had to wait").isOne();
            assertThat(summary.waiting()).isZero();
        });
    }

    @Test
    void anUnknownNameIsNull() {
        runner.run(context -> assertThat(new LocksEndpoint(context.getBean(NamedLockRegistry.class)).lock("nope")).isNull());
    }

    @Test
    void theCountsAndTheListOfHoldersAgreeWhileReadersComeAndGo() throws Exception {
        runner.run(context -> {
            LocksEndpoint endpoint = new LocksEndpoint(context.getBean(NamedLockRegistry.class));
            RWLock<Object> catalogue = context.getBean(NamedLockRegistry.class).getRWLock("catalogue");
            AtomicBoolean stop = new AtomicBoolean();
            ExecutorService readers = Executors.newFixedThreadPool(3);
            try {
                List<Future<?>> running = new ArrayList<>();
                for (int reader = 0; reader < 3; reader++) {
                    running.add(readers.submit(() -> {
                        for (int i = 0; i < 200_000 && !stop.get(); i++) {
                            try (ReadGuard<Object> read = catalogue.read()) {
                                Thread.onSpinWait();
                            }
                        }
                    }));
                }
                for (int sample = 0; sample < 2_000; sample++) {
                    LocksEndpoint.LockDetailsDescriptor details = endpoint.lock("catalogue");
                    // One look gives both; it is weakly consistent, so a reader's released hold and its
                    // next one may both be in it: the count is the list's length, not at most 3.
                    assertThat(details.holders()).isEqualTo(details.currentHolders().size());
                    assertThat(details.oldestHoldMillis() == null).isEqualTo(details.holders() == 0);
                }
                stop.set(true);
                for (Future<?> each : running) {
                    each.get(20, TimeUnit.SECONDS);
                }
            } finally {
                readers.shutdownNow();
            }
            assertThat(endpoint.lock("catalogue").holders()).isZero();
            assertThat(endpoint.locks().locks().get("catalogue").holders()).isZero();
        });
    }
}
