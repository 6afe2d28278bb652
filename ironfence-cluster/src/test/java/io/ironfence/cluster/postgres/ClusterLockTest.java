package io.ironfence.cluster.postgres;

import io.ironfence.cluster.ClusterGuard;
import io.ironfence.cluster.ClusterLock;

import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * Cohorting over the PostgreSQL engine: each instance queues its own callers locally and sends one
 * request per key to the server. Several engines in one JVM stand for several instances.
 */
class ClusterLockTest extends PostgresTestBase {


    @Test
    void oneHolderInTheClusterAndFewerRemoteRequestsThanAcquisitions() throws Exception {
        SharedCounter counter = SharedCounter.create(server, run);
        int instances = 3;
        int threads = 8;
        int rounds = 25;
        List<CountingEngine> counted = new ArrayList<>();
        ExecutorService callers = Executors.newFixedThreadPool(instances * threads);
        try {
            List<CompletableFuture<Void>> all = new ArrayList<>();
            for (int i = 0; i < instances; i++) {
                CountingEngine engine = countingEngine("cohort-" + i);
                counted.add(engine);
                ClusterLock lock = new ClusterLock("counter", engine, 8);
                for (int t = 0; t < threads; t++) {
                    all.add(CompletableFuture.runAsync(() -> counter.incrementUnder(() -> lock.lockInterruptibly(run), rounds),
                            callers));
                }
            }
            CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).get(100, TimeUnit.SECONDS);
        } finally {
            callers.shutdownNow();
        }
        int acquisitions = instances * threads * rounds;
        assertThat(counter.overlaps()).isZero();
        try (Connection data = server.connect()) {
            assertThat(counter.read(data)).isEqualTo(acquisitions);
        }
        int remote = counted.stream().mapToInt(engine -> engine.requests.get()).sum();
        assertThat(remote).as("remote requests for %d acquisitions", acquisitions).isLessThan(acquisitions / 2);
    }


    /** Bounded by max-local-handoffs: a release passes the hold on locally 4 times, then lets it go. */
    @Test
    void anotherInstanceIsNotStarvedByLocalHandoffs() throws Exception {
        ClusterLock busy = new ClusterLock("fair", countingEngine("busy"), 4);
        ClusterLock other = new ClusterLock("fair", countingEngine("other"), 4);
        notStarvedBy(() -> busy.lockInterruptibly(null), () -> other.lockInterruptibly(null));
    }

    @Test
    void localTimeoutsAndCancellationsLeaveNothingBehind() throws Exception {
        ClusterLock holderSide = new ClusterLock("busy", countingEngine("holder"), 8);
        ClusterLock waiterSide = new ClusterLock("busy", countingEngine("waiters"), 8);
        ClusterGuard held = holderSide.lockInterruptibly(7L);
        giveUpInRounds(50, timeout -> waiterSide.lockAsync(7L, timeout), timeout -> waiterSide.tryLock(7L, timeout));
        await().atMost(Duration.ofSeconds(10)).until(() -> waiterSide.getLiveKeyCount() == 0);
        held.close();
        await().atMost(Duration.ofSeconds(10)).until(() -> server.advisoryLocks() == 0);
        assertThat(holderSide.getLiveKeyCount()).isZero();
        Optional<ClusterGuard> now = waiterSide.tryLock(7L, Duration.ofSeconds(5));
        assertThat(now).isPresent();
        now.get().close();
    }

    /**
     * A loss between heartbeats: the holder's release finds it for sure, whether the release goes
     * to the server or keeps the hold for a local waiter.
     */
    @Test
    void releaseFindsALossTheHeartbeatHasNotSeenYet() throws Exception {
        String instance = "slow-heartbeat-" + run;
        PostgresLockEngine slowHeartbeat = new PostgresLockEngine(PostgresLockEngine.Settings
                .of(server.url(), server.username(), null).withInstanceId(instance).withHeartbeat(Duration.ofHours(1)));
        try {
            ClusterLock lock = new ClusterLock("verified", slowHeartbeat, 8);
            ClusterGuard alone = lock.lockInterruptibly(null);
            server.terminateSessionsOf(instance);
            assertThat(alone.isValid()).isTrue(); // nobody has looked yet
            // The token is issued on the hold's session when first asked for: a dead one issues none.
            assertThatThrownBy(alone::fencingToken).isInstanceOf(IllegalStateException.class);
            assertThat(alone.release()).isFalse();

            ClusterGuard first = lock.lockInterruptibly(null);
            CompletableFuture<ClusterGuard> next = lock.lockAsync(null, null);
            await().until(() -> lock.getWaitingCount() == 1);
            server.terminateSessionsOf(instance);
            assertThat(first.release()).isFalse(); // kept for the next local holder: the server was asked
            next.get(10, TimeUnit.SECONDS).close();

            try (ClusterGuard healthy = lock.lockInterruptibly(null)) {
                assertThat(healthy.isValid()).isTrue();
            }
            ClusterGuard intact = lock.lockInterruptibly(null);
            assertThat(intact.release()).isTrue();
            assertThat(intact.release()).isFalse(); // released before
        } finally {
            slowHeartbeat.close();
        }
    }

    @Test
    void interruptedWaitersLeaveNothingBehind() throws Exception {
        ClusterLock holderSide = new ClusterLock("interrupted", countingEngine("holder"), 8);
        ClusterLock waiterSide = new ClusterLock("interrupted", countingEngine("waiters"), 8);
        ClusterGuard held = holderSide.lockInterruptibly(null);
        for (int round = 0; round < 100; round++) {
            CompletableFuture<Boolean> interrupted = new CompletableFuture<>();
            Thread waiter = new Thread(() -> {
                try (ClusterGuard never = waiterSide.lockInterruptibly(null)) {
                    interrupted.complete(false);
                } catch (InterruptedException e) {
                    interrupted.complete(true);
                }
            });
            waiter.start();
            // Interrupted in the local queue in early rounds, at the server once its request got there.
            if (round % 2 == 1) {
                await().until(() -> server.waitingAdvisoryLocks() == 1);
            }
            waiter.interrupt();
            assertThat(interrupted.get(10, TimeUnit.SECONDS)).isTrue();
            waiter.join();
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> server.waitingAdvisoryLocks() == 0);
        assertThat(waiterSide.getLiveKeyCount()).isZero();
        assertThat(waiterSide.getWaitingCount()).isZero();
        held.close();
        try (ClusterGuard now = waiterSide.tryLock(null, Duration.ofSeconds(5)).orElseThrow()) {
            assertThat(now.isValid()).isTrue();
        }
    }

    @Test
    void callersBeyondTheConnectionLimitQueueAndAllGetTheirKeys() throws Exception {
        PostgresLockEngine twoSessions = new PostgresLockEngine(PostgresLockEngine.Settings
                .of(server.url(), server.username(), null).withInstanceId("two-sessions-" + run).withMaxConnections(2));
        try {
            ClusterLock lock = new ClusterLock("limited", twoSessions, 8);
            ClusterGuard first = lock.lockInterruptibly(1L);
            ClusterGuard second = lock.lockInterruptibly(2L);
            // Eight more keys while both sessions hold: they wait for a session, none fails.
            List<CompletableFuture<ClusterGuard>> queued = new ArrayList<>();
            for (long key = 3; key <= 10; key++) {
                queued.add(lock.lockAsync(key, Duration.ofSeconds(30)));
            }
            await().until(() -> lock.getWaitingCount() == 8);
            assertThat(queued).noneMatch(CompletableFuture::isDone);
            assertThat(twoSessions.openSessions()).isEqualTo(2);
            first.close();
            second.close();
            // Each request waits for a session on a thread of its own, so they get sessions in the
            // order those threads reach the queue, not the order of the keys: close whichever is
            // granted (waiting for key 3 while keys 4 and 5 held both sessions deadlocked the test).
            List<CompletableFuture<ClusterGuard>> notYetClosed = new ArrayList<>(queued);
            while (!notYetClosed.isEmpty()) {
                CompletableFuture.anyOf(notYetClosed.toArray(CompletableFuture[]::new)).get(20, TimeUnit.SECONDS);
                notYetClosed.removeIf(request -> {
                    if (!request.isDone()) {
                        return false;
                    }
                    request.join().close();
                    return true;
                });
            }
            assertThat(twoSessions.openSessions()).isLessThanOrEqualTo(2);
        } finally {
            twoSessions.close();
        }
    }

    @Test
    void fencingTokensIncreaseWithEveryHolderAlsoAcrossLocalHandoffs() throws Exception {
        List<Long> tokens = Collections.synchronizedList(new ArrayList<>());
        ExecutorService callers = Executors.newFixedThreadPool(8);
        try {
            List<CompletableFuture<Void>> all = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                ClusterLock lock = new ClusterLock("fenced", countingEngine("fenced-" + i), 8);
                for (int t = 0; t < 4; t++) {
                    all.add(CompletableFuture.runAsync(() -> {
                        for (int round = 0; round < 50; round++) {
                            try (ClusterGuard guard = lock.lockInterruptibly(null)) {
                                tokens.add(guard.fencingToken()); // in grant order: appended under the lock
                            } catch (InterruptedException e) {
                                throw new IllegalStateException(e);
                            }
                        }
                    }, callers));
                }
            }
            CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).get(100, TimeUnit.SECONDS);
        } finally {
            callers.shutdownNow();
        }
        assertThat(tokens).hasSize(400).isSortedAccordingTo(Long::compare).doesNotHaveDuplicates();
    }

    @Test
    void aLostHoldIsReportedAndTheNextHolderGetsANewOne() throws Exception {
        ClusterLock lock = new ClusterLock("lost", countingEngine("loser"), 8);
        ClusterGuard guard = lock.lockInterruptibly(null);
        assertThat(server.terminateSessionsOf("loser-" + run)).isPositive();
        guard.whenLost().get(10, TimeUnit.SECONDS);
        assertThat(guard.isValid()).isFalse();
        guard.close();
        try (ClusterGuard next = lock.lockInterruptibly(null)) {
            assertThat(next.isValid()).isTrue();
        }
    }
}
