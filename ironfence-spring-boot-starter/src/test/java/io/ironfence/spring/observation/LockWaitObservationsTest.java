package io.ironfence.spring.observation;

import io.ironfence.Mutex;
import io.ironfence.MutexGuard;
import io.ironfence.annotation.WithLock;
import io.ironfence.spring.NamedLockRegistry;
import io.ironfence.spring.boot.autoconfigure.IronFenceAutoConfiguration;
import io.ironfence.spring.boot.autoconfigure.IronFenceObservationAutoConfiguration;

import io.micrometer.observation.Observation;
import io.micrometer.observation.tck.TestObservationRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static io.micrometer.observation.tck.TestObservationRegistryAssert.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A wait that queues is one {@code ironfence.lock.queued} observation, a child of the caller's,
 * with lock, mode, outcome and who held the lock; an uncontended one creates none.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class LockWaitObservationsTest {

    public static class Shipping {
        @WithLock("shipping")
        public String book() {
            return "booked";
        }

        @WithLock("shipping")
        public CompletableFuture<String> bookAsync() {
            return CompletableFuture.completedFuture("booked");
        }
    }

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(IronFenceAutoConfiguration.class,
                    IronFenceObservationAutoConfiguration.class))
            .withBean(TestObservationRegistry.class, TestObservationRegistry::create)
            .withBean(Shipping.class);

    @Test
    void aQueuedWaitIsAChildObservationOfTheCallerAndAnUncontendedOneIsNone() {
        runner.run(context -> {
            TestObservationRegistry observations = context.getBean(TestObservationRegistry.class);
            Shipping shipping = context.getBean(Shipping.class);
            Mutex<Object> lock = context.getBean(NamedLockRegistry.class).getMutex("shipping");

            Observation request = Observation.start("http.request", observations);
            try (Observation.Scope scope = request.openScope()) {
                shipping.book(); // uncontended: no observation
                shipping.bookAsync().join();
            }
            assertThat(observations).hasNumberOfObservationsWithNameEqualTo(LockWaitObservations.NAME, 0);

            CountDownLatch holding = new CountDownLatch(1);
            CountDownLatch release = new CountDownLatch(1);
            Thread courier = new Thread(() -> {
                try (MutexGuard<Object> held = lock.lock()) { // another thread holds it
                    holding.countDown();
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }, "courier");
            courier.start();
            holding.await();
            CompletableFuture<String> queued;
            try (Observation.Scope scope = request.openScope()) {
                queued = shipping.bookAsync(); // queues, on this thread: a child of the request
            }
            await().until(() -> lock.getQueueLength() == 1);
            release.countDown();
            queued.join();
            courier.join();
            request.stop();

            assertThat(observations).hasNumberOfObservationsWithNameEqualTo(LockWaitObservations.NAME, 1)
                    .hasObservationWithNameEqualTo(LockWaitObservations.NAME).that()
                    .hasBeenStarted().hasBeenStopped()
                    .hasParentObservationEqualTo(request)
                    .hasLowCardinalityKeyValue("lock", "shipping")
                    .hasLowCardinalityKeyValue("mode", "exclusive")
                    .hasLowCardinalityKeyValue("outcome", "acquired")
                    .hasHighCardinalityKeyValue("holder.thread", "courier")
                    .hasHighCardinalityKeyValue("holder.method", "none"); // held by code, not a method
        });
    }

    @Test
    void theSettingTurnsThemOff() {
        runner.withPropertyValues("ironfence.observations.enabled=false").run(context -> {
            TestObservationRegistry observations = context.getBean(TestObservationRegistry.class);
            Mutex<Object> lock = context.getBean(NamedLockRegistry.class).getMutex("shipping");
            CompletableFuture<String> queued;
            try (MutexGuard<Object> held = lock.lockAsync().join()) {
                queued = context.getBean(Shipping.class).bookAsync();
            }
            queued.join();
            assertThat(observations).hasNumberOfObservationsWithNameEqualTo(LockWaitObservations.NAME, 0);
        });
    }
}
