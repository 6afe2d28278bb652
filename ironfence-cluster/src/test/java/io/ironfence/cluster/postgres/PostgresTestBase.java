package io.ironfence.cluster.postgres;

import io.ironfence.cluster.ClusterGuard;

import org.awaitility.Awaitility;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * What every test against the real server needs: the server, engines that stand for instances of
 * a service (each with its own sessions and instance id, closed after the test), and the check
 * that nothing is left locked.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
abstract class PostgresTestBase {

    static PostgresServer server;

    private final List<PostgresLockEngine> engines = new ArrayList<>();
    /** Makes the test's instance ids, keys and tables its own. */
    final String run = UUID.randomUUID().toString().substring(0, 8);

    @BeforeAll
    static void startServer() {
        server = PostgresServer.get();
        Awaitility.setDefaultPollInterval(Duration.ofMillis(10)); // rounds wait for the server often
    }

    @AfterEach
    void closeEngines() {
        engines.forEach(PostgresLockEngine::close);
        await().atMost(Duration.ofSeconds(10)).until(() -> server.advisoryLocks() == 0);
    }

    /** @return the engine of a new instance named {@code name} (plus the run id) */
    PostgresLockEngine engine(String name) {
        PostgresLockEngine engine = new PostgresLockEngine(PostgresLockEngine.Settings.of(server.url(), server.username(), null)
                .withInstanceId(name + "-" + run).withHeartbeat(Duration.ofMillis(200)));
        engines.add(engine);
        return engine;
    }

    /** Starts a request for the lock under test, with a timeout or (null) without. */
    @FunctionalInterface
    interface Request {
        CompletableFuture<? extends ClusterGuard> start(@Nullable Duration timeout);
    }

    /** Waits for the lock under test at most the timeout. */
    @FunctionalInterface
    interface Attempt {
        Optional<? extends ClusterGuard> within(Duration timeout) throws InterruptedException;
    }

    /**
     * While the lock is held elsewhere: rounds of four queued requests (two with a 5 ms timeout,
     * two without), a 2 ms attempt that must fail, and every request cancelled. The caller then
     * checks that nothing was left behind.
     */
    static void giveUpInRounds(int rounds, Request request, Attempt attempt) throws Exception {
        for (int i = 0; i < rounds; i++) {
            List<CompletableFuture<? extends ClusterGuard>> waiting = new ArrayList<>();
            for (int r = 0; r < 4; r++) {
                waiting.add(request.start(r % 2 == 0 ? Duration.ofMillis(5) : null));
            }
            assertThat(attempt.within(Duration.ofMillis(2))).isEmpty();
            waiting.forEach(future -> future.cancel(false));
            CompletableFuture.allOf(waiting.stream().map(future -> future.handle((guard, failure) -> null))
                    .toArray(CompletableFuture[]::new)).get(10, TimeUnit.SECONDS);
        }
    }

    /** @return the engine of a new instance, counting its remote requests */
    CountingEngine countingEngine(String name) {
        return new CountingEngine(engine(name));
    }

    /**
     * Four threads keep taking and releasing the lock through {@code busy}, so its instance always
     * has a local waiter, until {@code other} (another instance) has had the lock once. Without a
     * bound on what an instance keeps for its own waiters this never ends, and the test times out.
     */
    static void notStarvedBy(SharedCounter.Hold busy, SharedCounter.Hold other) throws Exception {
        AtomicBoolean otherGotIt = new AtomicBoolean();
        ExecutorService callers = Executors.newFixedThreadPool(4);
        try {
            List<CompletableFuture<Void>> hammering = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                hammering.add(CompletableFuture.runAsync(() -> {
                    while (!otherGotIt.get()) {
                        try (AutoCloseable held = busy.take()) {
                            Thread.onSpinWait();
                        } catch (InterruptedException e) {
                            return;
                        } catch (Exception e) {
                            throw new IllegalStateException(e);
                        }
                    }
                }, callers));
            }
            try (AutoCloseable held = other.take()) {
                otherGotIt.set(true);
            }
            CompletableFuture.allOf(hammering.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
        } finally {
            callers.shutdownNow();
        }
    }
}
