package io.ironfence.cluster.postgres;

import io.ironfence.cluster.ClusterLockEngine.RemoteHold;
import io.ironfence.cluster.ClusterLockKeys;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * The PostgreSQL engine against a real server: several engines in one JVM stand for several
 * instances of a service (each has its own sessions and instance id).
 */
class PostgresLockEngineTest extends PostgresTestBase {

    private long key;

    @BeforeEach
    void freshKey() {
        key = ClusterLockKeys.of("test-" + run, null);
    }

    @Test
    void exclusiveHoldsExcludeEachOtherAcrossInstances() throws Exception {
        SharedCounter counter = SharedCounter.create(server, run);
        int instances = 3;
        int threads = 4;
        int rounds = 50;
        ExecutorService callers = Executors.newFixedThreadPool(instances * threads);
        try {
            List<CompletableFuture<Void>> all = new ArrayList<>();
            for (int i = 0; i < instances; i++) {
                PostgresLockEngine engine = engine("mutex-" + i);
                for (int t = 0; t < threads; t++) {
                    all.add(CompletableFuture.runAsync(() -> counter.incrementUnder(
                            () -> engine.acquire(key, false, null).get(60, TimeUnit.SECONDS), rounds), callers));
                }
            }
            CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).get(100, TimeUnit.SECONDS);
        } finally {
            callers.shutdownNow();
        }
        assertThat(counter.overlaps()).isZero();
        try (Connection data = server.connect()) {
            assertThat(counter.read(data)).isEqualTo((long) instances * threads * rounds);
        }
        assertThat(server.advisoryLocks()).isZero();
    }

    /** The caller's own attempt: only a free lock and an idle session, else null and nothing taken. */
    @Test
    void tryAcquireNowTakesAFreeLockOnTheCallersThreadAndNothingElse() throws Exception {
        PostgresLockEngine here = engine("inline");
        PostgresLockEngine elsewhere = engine("elsewhere");
        assertThat(here.tryAcquireNow(key, false)).as("no idle session yet: the waiting path opens one").isNull();
        here.acquire(key, false, null).get(10, TimeUnit.SECONDS).close(); // leaves an idle session
        try (RemoteHold free = here.tryAcquireNow(key, false)) {
            assertThat(free).isNotNull();
            assertThat(free.isValid()).isTrue();
            assertThat(elsewhere.acquire(key, false, Duration.ofMillis(50))).failsWithin(Duration.ofSeconds(10))
                    .withThrowableOfType(ExecutionException.class)
                    .withCauseInstanceOf(TimeoutException.class);
            assertThat(free.fencingToken()).isPositive();
        }
        try (RemoteHold other = elsewhere.acquire(key, false, null).get(10, TimeUnit.SECONDS)) {
            assertThat(here.tryAcquireNow(key, false)).as("taken elsewhere").isNull();
            assertThat(server.advisoryLocks()).isEqualTo(1);
        }
        assertThat(here.openSessions()).isLessThanOrEqualTo(2);
    }

    @Test
    void sharedHoldsShareAndAQueuedWriterIsNotPassedByNewReaders() throws Exception {
        PostgresLockEngine a = engine("reader-a");
        PostgresLockEngine b = engine("reader-b");
        PostgresLockEngine c = engine("writer");
        RemoteHold first = a.acquire(key, true, null).get(10, TimeUnit.SECONDS);
        RemoteHold second = b.acquire(key, true, null).get(10, TimeUnit.SECONDS); // readers share
        CompletableFuture<RemoteHold> writer = c.acquire(key, false, null);
        await().until(() -> server.waitingAdvisoryLocks() == 1);
        CompletableFuture<RemoteHold> lateReader = a.acquire(key, true, null);
        await().until(() -> server.waitingAdvisoryLocks() == 2); // queued behind the writer, not beside the readers
        first.close();
        second.close();
        RemoteHold written = writer.get(10, TimeUnit.SECONDS);
        assertThat(lateReader).isNotDone();
        written.close();
        lateReader.get(10, TimeUnit.SECONDS).close();
    }

    @Test
    void aDowngradeIsAtomicAndLetsReadersIn() throws Exception {
        PostgresLockEngine holder = engine("downgrader");
        PostgresLockEngine writer = engine("writer-behind");
        PostgresLockEngine reader = engine("reader-behind");
        RemoteHold exclusive = holder.acquire(key, false, null).get(10, TimeUnit.SECONDS);
        long token = exclusive.fencingToken();
        CompletableFuture<RemoteHold> queuedWriter = writer.acquire(key, false, null);
        await().until(() -> server.waitingAdvisoryLocks() == 1);
        RemoteHold shared = exclusive.downgrade();
        assertThat(exclusive.isValid()).isFalse();
        assertThat(shared.shared()).isTrue();
        assertThat(shared.fencingToken()).isEqualTo(token);
        assertThat(server.count("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted "
                + "AND mode = 'ShareLock'")).isOne();
        assertThat(queuedWriter).as("no writer slips in during a downgrade").isNotDone();
        assertThatThrownBy(shared::downgrade).isInstanceOf(IllegalStateException.class);
        shared.close();
        RemoteHold written = queuedWriter.get(10, TimeUnit.SECONDS);
        CompletableFuture<RemoteHold> queuedReader = reader.acquire(key, true, null);
        await().until(() -> server.waitingAdvisoryLocks() == 1);
        RemoteHold readsNow = written.downgrade(); // readers queued behind the writer get in beside it
        queuedReader.get(10, TimeUnit.SECONDS).close();
        readsNow.close();
    }

    @Test
    void timeoutsAndCancellationsLeaveNoLockAndNoSessionBehind() throws Exception {
        PostgresLockEngine holder = engine("holder");
        PostgresLockEngine waiter = engine("waiter");
        RemoteHold held = holder.acquire(key, false, null).get(10, TimeUnit.SECONDS);
        for (int i = 0; i < 100; i++) {
            CompletableFuture<RemoteHold> timed = waiter.acquire(key, false, Duration.ofMillis(5));
            assertThatThrownBy(() -> timed.get(10, TimeUnit.SECONDS)).hasCauseInstanceOf(TimeoutException.class);
            CompletableFuture<RemoteHold> cancelled = waiter.acquire(key, i % 2 == 0, null);
            cancelled.cancel(false);
            assertThatThrownBy(() -> cancelled.get(10, TimeUnit.SECONDS)).isInstanceOf(CancellationException.class);
        }
        held.close();
        await().atMost(Duration.ofSeconds(10)).until(() -> server.advisoryLocks() == 0);
        // Whatever sessions the waiter still has are idle ones it accounts for, within its limit.
        await().atMost(Duration.ofSeconds(10)).until(() -> server.sessionsOf("waiter-" + run) == waiter.openSessions());
        assertThat(waiter.openSessions()).isLessThanOrEqualTo(16);
        try (RemoteHold again = waiter.acquire(key, false, Duration.ofSeconds(5)).get(10, TimeUnit.SECONDS)) {
            assertThat(again.isValid()).isTrue();
        }
    }

    @Test
    void aGrantRacingACancelIsReleased() throws Exception {
        PostgresLockEngine holder = engine("racer-holder");
        PostgresLockEngine waiter = engine("racer");
        for (int i = 0; i < 100; i++) {
            RemoteHold held = holder.acquire(key, false, null).get(10, TimeUnit.SECONDS);
            CompletableFuture<RemoteHold> request = waiter.acquire(key, false, null);
            CompletableFuture<Void> release = CompletableFuture.runAsync(held::close);
            request.cancel(false);
            release.get(10, TimeUnit.SECONDS);
            try {
                request.get(10, TimeUnit.SECONDS).close(); // only if cancel lost, which a future never lets happen
            } catch (CancellationException expected) {
                // the usual outcome
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> server.advisoryLocks() == 0);
        }
    }

    @Test
    void aTerminatedSessionIsReportedLostAndTheLockIsFreeForOthers() throws Exception {
        PostgresLockEngine victim = engine("victim");
        PostgresLockEngine other = engine("other");
        AtomicInteger reported = new AtomicInteger();
        victim.onLoss(hold -> reported.incrementAndGet());
        RemoteHold held = victim.acquire(key, false, null).get(10, TimeUnit.SECONDS);
        assertThat(held.isValid()).isTrue();
        assertThat(server.terminateSessionsOf("victim-" + run)).isPositive();
        held.whenLost().get(10, TimeUnit.SECONDS);
        assertThat(held.isValid()).isFalse();
        assertThat(reported).hasValue(1);
        try (RemoteHold taken = other.acquire(key, false, Duration.ofSeconds(5)).get(10, TimeUnit.SECONDS)) {
            assertThat(taken.isValid()).isTrue();
        }
        held.close(); // after a loss: nothing to release, and no error
        try (RemoteHold again = victim.acquire(key, false, Duration.ofSeconds(5)).get(10, TimeUnit.SECONDS)) {
            assertThat(again.isValid()).isTrue(); // the engine opens new sessions
        }
    }

    @Test
    void aHolderKilledWithSigkillLosesTheLockToAnotherInstanceAtOnce() throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process child = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                HoldingProcess.class.getName(), server.url(), server.username(), Long.toString(key), "child-" + run)
                .redirectErrorStream(true).start();
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
            List<String> lines = new ArrayList<>();
            for (String line = out.readLine(); line != null && !line.startsWith("HELD"); line = out.readLine()) {
                lines.add(line);
            }
            assertThat(child.isAlive()).as("the child took the lock; its output: %s", lines).isTrue();
            PostgresLockEngine survivor = engine("survivor");
            assertThatThrownBy(() -> survivor.acquire(key, false, Duration.ofMillis(50)).get(10, TimeUnit.SECONDS))
                    .hasCauseInstanceOf(TimeoutException.class); // the child holds it
            child.destroyForcibly(); // SIGKILL: no shutdown hook, no release
            assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
            // The server sees the reset connection and releases the dead session's locks.
            try (RemoteHold taken = survivor.acquire(key, false, Duration.ofSeconds(10)).get(20, TimeUnit.SECONDS)) {
                assertThat(taken.isValid()).isTrue();
            }
        } finally {
            child.destroyForcibly();
        }
    }

    @Test
    void aServerRestartIsReportedToHoldersAndLocksWorkAfterwards() throws Exception {
        PostgresLockEngine engine = engine("restart");
        RemoteHold held = engine.acquire(key, false, null).get(10, TimeUnit.SECONDS);
        long before = held.fencingToken();
        server.restart();
        held.whenLost().get(20, TimeUnit.SECONDS);
        assertThat(held.isValid()).isFalse();
        held.close();
        // Idle sessions died with the server too: the engine must not hand one out as if it worked.
        try (RemoteHold again = engine.acquire(key, false, Duration.ofSeconds(10)).get(20, TimeUnit.SECONDS)) {
            assertThat(again.isValid()).isTrue();
            assertThat(again.fencingToken()).isGreaterThan(before);
        }
        // ... also when no hold was there to notice the restart: a dead idle session is replaced.
        server.restart();
        try (RemoteHold afterQuietRestart = engine.acquire(key, true, Duration.ofSeconds(10)).get(20, TimeUnit.SECONDS)) {
            assertThat(afterQuietRestart.isValid()).isTrue();
        }
    }

    @Test
    void fencingTokensStrictlyIncreaseAcrossInstances() throws Exception {
        List<Long> tokens = Collections.synchronizedList(new ArrayList<>()); // appended under the cluster lock: in grant order
        ExecutorService callers = Executors.newFixedThreadPool(3);
        try {
            List<CompletableFuture<Void>> all = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                PostgresLockEngine engine = engine("fencing-" + i);
                assertThat(engine.issuesFencingTokens()).isTrue();
                all.add(CompletableFuture.runAsync(() -> {
                    for (int round = 0; round < 300; round++) {
                        try (RemoteHold hold = engine.acquire(key, false, null).get(60, TimeUnit.SECONDS)) {
                            tokens.add(hold.fencingToken());
                        } catch (InterruptedException | ExecutionException | TimeoutException e) {
                            throw new IllegalStateException(e);
                        }
                    }
                }, callers));
            }
            CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).get(100, TimeUnit.SECONDS);
        } finally {
            callers.shutdownNow();
        }
        assertThat(tokens).hasSize(900).isSortedAccordingTo(Long::compare).doesNotHaveDuplicates();
    }

    @Test
    void anUnreachableServerFailsTheStartWithWhatToCheck() {
        assertThatThrownBy(() -> new PostgresLockEngine(PostgresLockEngine.Settings.of(
                "jdbc:postgresql://127.0.0.1:1/nowhere", "nobody", "wrong")))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("Cannot reach the cluster lock database")
                .hasMessageContaining("ironfence.cluster.url");
        assertThatThrownBy(() -> new PostgresLockEngine(PostgresLockEngine.Settings.of(
                server.url().replace("/postgres", "/no_such_database"), server.username(), null)))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("no_such_database");
        assertThatThrownBy(() -> PostgresLockEngine.Settings.of("jdbc:mysql://localhost/x", null, null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("PostgreSQL JDBC URL");
    }
}
