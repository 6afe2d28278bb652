package io.ironfence.spring.aop;

import io.ironfence.LockTimeoutException;
import io.ironfence.Mutex;
import io.ironfence.MutexGuard;
import io.ironfence.RWLock;
import io.ironfence.annotation.ReadLocked;
import io.ironfence.annotation.WithLock;
import io.ironfence.spring.KeyedLocks;
import io.ironfence.spring.NamedLockRegistry;
import io.ironfence.spring.boot.autoconfigure.IronFenceAutoConfiguration;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.assertj.AssertableApplicationContext;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.resilience.annotation.ConcurrencyLimit;
import org.springframework.resilience.annotation.EnableResilientMethods;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.function.Supplier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * Asynchronous and reactive methods hold their lock until the result completes: three calls whose
 * results are still pending run one body at a time, where Spring's {@code @ConcurrencyLimit(1)}
 * lets all three run (it releases as soon as the method returns its future).
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class AsyncLockAnnotationTest {

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(IronFenceAutoConfiguration.class))
            .withUserConfiguration(Jobs.Config.class);

    /** Each call starts a job whose completion the test controls. */
    public static class Jobs {
        final List<CompletableFuture<String>> started = new CopyOnWriteArrayList<>();
        final AtomicInteger running = new AtomicInteger();
        final AtomicInteger maxRunning = new AtomicInteger();

        private CompletableFuture<String> start(String name) {
            maxRunning.accumulateAndGet(running.incrementAndGet(), Math::max);
            CompletableFuture<String> job = new CompletableFuture<>();
            started.add(job);
            return job.whenComplete((value, failure) -> running.decrementAndGet()).thenApply(v -> name + ":" + v);
        }

        @WithLock("jobs")
        public CompletableFuture<String> locked(String name) {
            return start(name);
        }

        @WithLock(value = "jobs", timeout = "50ms")
        public CompletableFuture<String> lockedWithTimeout(String name) {
            return start(name);
        }

        @WithLock("jobs")
        public CompletableFuture<String> failsAtOnce() {
            throw new IllegalArgumentException("bad order");
        }

        @WithLock(value = "accounts", key = "#account", timeout = "50ms")
        public CompletableFuture<String> keyedWithTimeout(String account) {
            return start(account);
        }

        @WithLock(value = "accounts", key = "#account", timeout = "50ms")
        public Mono<String> keyedMonoWithTimeout(String account) {
            return Mono.fromFuture(start(account));
        }

        @WithLock("jobs")
        public CompletableFuture<String> readsCatalogLater(Catalog catalog, CompletableFuture<String> done) {
            return catalog.readLater(done);
        }

        @ConcurrencyLimit(1)
        public CompletableFuture<String> limited(String name) {
            return start(name);
        }

        @WithLock("jobs")
        public Mono<String> mono(String name) {
            return Mono.fromFuture(start(name));
        }

        @WithLock("jobs")
        public Flux<String> flux(String name) {
            return Mono.fromFuture(start(name)).flatMapMany(v -> Flux.just(v, v));
        }

        List<CompletableFuture<String>> started() {
            return started;
        }

        public int startedCount() {
            return started.size();
        }

        public void complete(int index, String value) {
            started.get(index).complete(value);
        }

        public int maxRunning() {
            return maxRunning.get();
        }

        @Configuration(proxyBeanMethods = false)
        @EnableResilientMethods
        static class Config {
            @Bean
            Jobs jobs() {
                return new Jobs();
            }

            @Bean
            Catalog catalog() {
                return new Catalog();
            }
        }
    }

    public static class Catalog {
        @ReadLocked("catalog")
        public String read(Supplier<String> action) {
            return action.get();
        }

        @ReadLocked("catalog")
        public CompletableFuture<String> readLater(CompletableFuture<String> done) {
            return done;
        }
    }

    @Test
    void aFutureReturningMethodHoldsTheLockUntilItsFutureCompletes() {
        runner.run(context -> {
            Jobs jobs = context.getBean(Jobs.class);
            Mutex<Object> lock = context.getBean(NamedLockRegistry.class).getMutex("jobs");
            CompletableFuture<String> first = jobs.locked("a");
            CompletableFuture<String> second = jobs.locked("b");
            CompletableFuture<String> third = jobs.locked("c");
            assertThat(jobs.startedCount()).as("bodies started").isOne();
            assertThat(lock.isLocked()).isTrue();
            assertThat(lock.getQueueLength()).isEqualTo(2);
            for (int i = 0; i < 3; i++) {
                assertThat(jobs.startedCount()).isEqualTo(i + 1);
                jobs.complete(i, "done");
            }
            assertThat(first.get()).isEqualTo("a:done");
            assertThat(second.get()).isEqualTo("b:done");
            assertThat(third.get()).isEqualTo("c:done");
            assertThat(jobs.maxRunning()).isOne();
            assertThat(lock.isLocked()).isFalse();
        });
    }

    @Test
    void concurrencyLimitReleasesBeforeTheFutureCompletes() {
        runner.run(context -> {
            Jobs jobs = context.getBean(Jobs.class);
            for (String name : List.of("a", "b", "c")) {
                jobs.limited(name);
            }
            assertThat(jobs.startedCount()).as("@ConcurrencyLimit(1) runs all three at once").isEqualTo(3);
            assertThat(jobs.maxRunning()).isEqualTo(3);
        });
    }

    @Test
    void aTimedOutAsyncWaitFailsTheStageWithoutBlockingTheCaller() {
        runner.run(context -> {
            Jobs jobs = context.getBean(Jobs.class);
            Mutex<Object> lock = context.getBean(NamedLockRegistry.class).getMutex("jobs");
            // Held elsewhere: a call on the holding thread itself would pass through as a nested call.
            try (MutexGuard<Object> held = CompletableFuture.supplyAsync(lock::lock).get()) {
                CompletableFuture<String> result = jobs.lockedWithTimeout("late"); // returns at once
                assertThatThrownBy(result::get).isInstanceOf(ExecutionException.class)
                        .cause().isInstanceOf(LockTimeoutException.class).hasMessageContaining("'jobs'");
                assertThat(lock.getQueueLength()).isZero();
            }
            assertThat(jobs.startedCount()).isZero();
            assertThat(lock.isLocked()).isFalse();
        });
    }

    @Test
    void aKeyedWaitThatTimesOutLetsItsKeysLockGo() {
        runner.run(context -> {
            Jobs jobs = context.getBean(Jobs.class);
            KeyedLocks keys = context.getBean(NamedLockRegistry.class).get("accounts").getKeyedLocks();
            CompletableFuture<String> holder = jobs.keyedWithTimeout("acme");
            assertThatThrownBy(() -> jobs.keyedWithTimeout("acme").get()).cause()
                    .isInstanceOf(LockTimeoutException.class);
            assertThatThrownBy(() -> jobs.keyedMonoWithTimeout("acme").block())
                    .isInstanceOf(LockTimeoutException.class);
            assertThat(keys.size()).as("the holder's key").isOne();
            jobs.complete(0, "done");
            assertThat(holder.get()).isEqualTo("acme:done");
            assertThat(keys.size()).as("keys in use once the calls are over").isZero();
        });
    }

    /**
     * Cancelling the result races the grant on the releasing thread: whichever wins, the lock
     * is either withdrawn from, or held by the body, or handed back at once; never left held.
     */
    @Test
    void cancellingAResultAsTheLockIsGrantedNeverLeavesItHeld() {
        runner.run(context -> cancelRacingTheGrant(context, jobs -> {
            CompletableFuture<String> result = jobs.locked("r");
            return () -> result.cancel(false);
        }));
    }

    /** The same race for a subscription: a grant that arrives as it is disposed is released. */
    @Test
    void disposingASubscriptionAsTheLockIsGrantedNeverLeavesItHeld() {
        runner.run(context -> cancelRacingTheGrant(context, jobs -> jobs.mono("r").subscribe()::dispose));
    }

    /**
     * 2,000 rounds of: a call queues behind a hold, then the hold is closed on another thread at the
     * same moment as this thread cancels the call.
     *
     * @param queueACall makes the call and returns how to cancel it
     */
    private static void cancelRacingTheGrant(AssertableApplicationContext context, Function<Jobs, Runnable> queueACall)
            throws Exception {
        Jobs jobs = context.getBean(Jobs.class);
        Mutex<Object> lock = context.getBean(NamedLockRegistry.class).getMutex("jobs");
        for (int round = 0; round < 2_000; round++) {
            MutexGuard<Object> held = lock.lockAsync().join(); // no owner thread: the call queues
            Runnable cancel = queueACall.apply(jobs);
            CyclicBarrier go = new CyclicBarrier(2);
            Thread releaser = new Thread(() -> {
                try {
                    go.await();
                } catch (Exception e) {
                    throw new AssertionError(e);
                }
                spin(ThreadLocalRandom.current().nextInt(2_000));
                held.close();
            });
            releaser.start();
            go.await();
            spin(ThreadLocalRandom.current().nextInt(2_000));
            cancel.run();
            releaser.join();
            jobs.started().forEach(job -> job.complete("done")); // bodies that won the race end
            assertThat(lock.isLocked()).as("round %d left the lock held", round).isFalse();
            assertThat(lock.getQueueLength()).isZero();
        }
    }

    private static void spin(int iterations) {
        for (int i = 0; i < iterations; i++) {
            Thread.onSpinWait();
        }
    }

    /**
     * A queued call's body runs on whichever thread grants it the lock. That thread may be inside
     * annotated methods of its own, but their holds end with them: the body must take its own
     * locks, not pass through the granting thread's, or its stage would outlive the hold it rides on.
     */
    @Test
    void anAsyncBodyGrantedOnAnotherThreadTakesItsOwnLocks() {
        runner.run(context -> {
            Jobs jobs = context.getBean(Jobs.class);
            Catalog catalog = context.getBean(Catalog.class);
            NamedLockRegistry registry = context.getBean(NamedLockRegistry.class);
            RWLock<Object> catalogLock = registry.getRWLock("catalog");
            MutexGuard<Object> held = registry.<Object>getMutex("jobs").lockAsync().join();
            CompletableFuture<String> done = new CompletableFuture<>();
            CompletableFuture<String> result = jobs.readsCatalogLater(catalog, done); // queued behind held
            // Another thread releases "jobs" while it reads the catalog: the queued body runs there.
            Thread reader = new Thread(() -> catalog.read(() -> {
                held.close();
                return "read";
            }));
            reader.start();
            reader.join();
            assertThat(catalogLock.getReadLockCount()).as("the body's own read hold, until its stage completes")
                    .isOne();
            assertThat(catalogLock.tryWrite()).isEmpty();
            done.complete("ok");
            assertThat(result.get()).isEqualTo("ok");
            assertThat(catalogLock.getReadLockCount()).isZero();
        });
    }

    @Test
    void cancellingAWaitingResultWithdrawsTheRequest() {
        runner.run(context -> {
            Jobs jobs = context.getBean(Jobs.class);
            Mutex<Object> lock = context.getBean(NamedLockRegistry.class).getMutex("jobs");
            CompletableFuture<String> first = jobs.locked("a");
            CompletableFuture<String> waiting = jobs.locked("b");
            assertThat(lock.getQueueLength()).isOne();
            assertThat(waiting.cancel(false)).isTrue();
            assertThat(lock.getQueueLength()).isZero();
            jobs.complete(0, "done");
            assertThat(first.get()).isEqualTo("a:done");
            assertThat(jobs.startedCount()).isOne();
            assertThat(lock.isLocked()).isFalse();
        });
    }

    @Test
    void aMethodThatThrowsFailsItsStageAndReleases() {
        runner.run(context -> {
            Jobs jobs = context.getBean(Jobs.class);
            CompletableFuture<String> result = jobs.failsAtOnce();
            assertThatThrownBy(result::get).cause().isInstanceOf(IllegalArgumentException.class).hasMessage("bad order");
            assertThat(context.getBean(NamedLockRegistry.class).getMutex("jobs").isLocked()).isFalse();
        });
    }

    @Test
    void aFailedFutureReleasesTheLock() {
        runner.run(context -> {
            Jobs jobs = context.getBean(Jobs.class);
            CompletableFuture<String> result = jobs.locked("a");
            jobs.started().get(0).completeExceptionally(new IllegalStateException("payment declined"));
            assertThatThrownBy(result::get).cause().isInstanceOf(IllegalStateException.class)
                    .hasMessage("payment declined");
            assertThat(context.getBean(NamedLockRegistry.class).getMutex("jobs").isLocked()).isFalse();
        });
    }

    @Test
    void aMonoTakesTheLockOnSubscribeAndHoldsItUntilItCompletes() {
        runner.run(context -> {
            Jobs jobs = context.getBean(Jobs.class);
            Mutex<Object> lock = context.getBean(NamedLockRegistry.class).getMutex("jobs");
            Mono<String> a = jobs.mono("a");
            assertThat(jobs.startedCount()).as("nothing before subscription").isZero();
            assertThat(lock.isLocked()).isFalse();
            CompletableFuture<String> first = a.toFuture();
            CompletableFuture<String> second = jobs.mono("b").toFuture();
            CompletableFuture<List<String>> third = jobs.flux("c").collectList().toFuture();
            assertThat(jobs.startedCount()).isOne();
            for (int i = 0; i < 3; i++) {
                int index = i;
                await().atMost(Duration.ofSeconds(10)).until(() -> jobs.startedCount() == index + 1);
                jobs.complete(i, "done");
            }
            assertThat(first.get()).isEqualTo("a:done");
            assertThat(second.get()).isEqualTo("b:done");
            assertThat(third.get()).containsExactly("c:done", "c:done");
            assertThat(jobs.maxRunning()).isOne();
            assertThat(lock.isLocked()).isFalse();
        });
    }

    @Test
    void cancellingASubscriptionReleasesOrWithdraws() {
        runner.run(context -> {
            Jobs jobs = context.getBean(Jobs.class);
            Mutex<Object> lock = context.getBean(NamedLockRegistry.class).getMutex("jobs");
            Disposable holding = jobs.mono("a").subscribe();
            Disposable waiting = jobs.mono("b").subscribe();
            assertThat(jobs.startedCount()).isOne();
            assertThat(lock.getQueueLength()).isOne();
            waiting.dispose();
            assertThat(lock.getQueueLength()).isZero();
            holding.dispose(); // cancels the running body's publisher: the lock goes with it
            assertThat(lock.isLocked()).isFalse();
            assertThat(jobs.startedCount()).isOne();
        });
    }

    @Test
    void eachSubscriptionRunsTheMethodAgain() {
        runner.run(context -> {
            Jobs jobs = context.getBean(Jobs.class);
            Mono<String> mono = jobs.mono("again");
            CompletableFuture<String> first = mono.toFuture();
            jobs.complete(0, "1");
            CompletableFuture<String> second = mono.toFuture();
            await().atMost(Duration.ofSeconds(10)).until(() -> jobs.startedCount() == 2);
            jobs.complete(1, "2");
            assertThat(first.get()).isEqualTo("again:1");
            assertThat(second.get()).isEqualTo("again:2");
        });
    }
}
