package io.ironfence;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static io.ironfence.TestSupport.startThread;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Races provoked on purpose, thousands of times each: a release against a timeout, an interrupt and
 * a cancellation. Whichever side wins, the lock is never leaked, no wake-up is lost, and the queue
 * is empty afterwards.
 */
@Tag("slow") // left out of the fast local loop: ./mvnw verify -DexcludedGroups=slow
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class RaceTest {

    private static final int ROUNDS = 2_000;

    @Test
    void timeoutRacingRelease() throws Exception {
        Mutex<Integer> mu = new Mutex<>(0);
        int acquired = 0;
        for (int i = 0; i < ROUNDS; i++) {
            MutexGuard<Integer> held = mu.lock();
            CyclicBarrier go = new CyclicBarrier(2);
            CompletableFuture<Optional<MutexGuard<Integer>>> attempt = new CompletableFuture<>();
            long timeoutNanos = ThreadLocalRandom.current().nextLong(1_000, 100_000);
            startThread(() -> {
                try {
                    go.await();
                    attempt.complete(mu.tryLock(Duration.ofNanos(timeoutNanos)));
                } catch (Throwable t) {
                    attempt.completeExceptionally(t);
                }
            });
            go.await();
            spin(ThreadLocalRandom.current().nextInt(100_000));
            held.close();
            Optional<MutexGuard<Integer>> outcome = attempt.get();
            if (outcome.isPresent()) {
                acquired++;
                outcome.get().close();
            }
            assertFree(mu, i);
        }
        // Both sides of the race must have been exercised for the test to mean anything.
        assertThat(acquired).isBetween(1, ROUNDS - 1);
    }

    @Test
    void interruptRacingGrant() throws Exception {
        Mutex<Integer> mu = new Mutex<>(0);
        int interrupted = 0;
        for (int i = 0; i < ROUNDS; i++) {
            MutexGuard<Integer> held = mu.lock();
            CompletableFuture<String> outcome = new CompletableFuture<>();
            AtomicBoolean interruptSent = new AtomicBoolean();
            Thread waiter = startInterruptibleWaiter(mu, interruptSent, outcome);
            TestSupport.awaitQueueLength(mu, 1);
            CyclicBarrier go = new CyclicBarrier(2);
            Thread interrupter = startThread(() -> {
                await(go);
                waiter.interrupt();
                interruptSent.set(true);
            });
            await(go);
            held.close();
            interrupter.join();
            String result = outcome.get();
            assertThat(result).as("never both, never a swallowed interrupt")
                    .isIn("granted+interrupted", "interrupted");
            if (result.equals("interrupted")) {
                interrupted++;
            }
            waiter.join();
            assertFree(mu, i);
        }
        assertThat(interrupted).isBetween(1, ROUNDS - 1);
    }

    /**
     * In HANDOFF mode a release grants the lock to the parked head directly, so an interrupt can
     * meet a grant that is already made: the waiter must keep the hold (and the interrupt), not
     * throw with the lock held. In normal mode the head is only woken to compete, which is why
     * {@link #interruptRacingGrant} cannot reach this.
     */
    @Test
    void interruptRacingAHandOffGrant() throws Exception {
        Mutex<Integer> mu = new Mutex<>(0);
        int handOffs = 0;
        int keptTheGrant = 0;
        for (int attempt = 0; attempt < 1_000 && handOffs < 100; attempt++) {
            MutexGuard<Integer> held = mu.lock();
            CompletableFuture<String> outcome = new CompletableFuture<>();
            AtomicBoolean interruptSent = new AtomicBoolean();
            Thread waiter = startInterruptibleWaiter(mu, interruptSent, outcome);
            TestSupport.awaitQueueLength(mu, 1);
            long queuedSince = System.nanoTime();
            while (System.nanoTime() - queuedSince < 2 * Sync.HANDOFF_AFTER_NANOS) {
                Thread.onSpinWait(); // starve the waiter past the hand-off threshold
            }
            held.close();
            // Barge in ahead of the woken waiter: it loses, and asks for the hand-off. (Often it
            // runs first and simply wins; then this attempt does not count.)
            Optional<MutexGuard<Integer>> barged = mu.tryLock();
            if (barged.isPresent()) {
                Awaitility.await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(1))
                        .until(mu::isHandingOff);
                waiter.interrupt();
                interruptSent.set(true);
                spin(ThreadLocalRandom.current().nextInt(20_000));
                barged.get().close(); // hands the lock to the waiter, racing its withdrawal
                handOffs++;
            } else {
                waiter.interrupt(); // whatever it does now, it must not leave the lock held
                interruptSent.set(true);
            }
            String result = outcome.get(10, TimeUnit.SECONDS);
            assertThat(result).as("never a swallowed interrupt").isNotEqualTo("granted");
            if (barged.isPresent() && result.equals("granted+interrupted")) {
                keptTheGrant++;
            }
            waiter.join();
            assertFree(mu, attempt);
        }
        assertThat(handOffs).as("attempts in which the barge happened").isPositive();
        assertThat(keptTheGrant).as("hand-offs granted before the interrupted waiter withdrew").isPositive();
    }

    @Test
    void cancelRacingGrantOnAnRWLock() throws Exception {
        RWLock<Integer> rw = new RWLock<>(0);
        for (int i = 0; i < ROUNDS; i++) {
            WriteGuard<Integer> held = rw.write();
            CompletableFuture<ReadGuard<Integer>> reader = rw.readAsync();
            CompletableFuture<WriteGuard<Integer>> writer = rw.writeAsync();
            CyclicBarrier go = new CyclicBarrier(2);
            Thread releaser = startThread(() -> {
                await(go);
                held.close();
            });
            await(go);
            boolean readerCancelled = reader.cancel(false);
            boolean writerCancelled = writer.cancel(false);
            releaser.join();
            if (!readerCancelled) {
                reader.join().close();
            }
            if (!writerCancelled) {
                writer.join().close();
            }
            assertThat(rw.isLocked()).as("round %d leaked a hold", i).isFalse();
            assertThat(rw.getQueueLength()).isZero();
        }
    }

    /** A waiter that times out while it is the woken head must pass the wake-up on. */
    @RepeatedTest(5)
    void noWakeUpIsLostWhenTheWokenHeadTimesOut() throws Exception {
        Mutex<Integer> mu = new Mutex<>(0);
        for (int i = 0; i < 500; i++) {
            MutexGuard<Integer> held = mu.lock();
            CompletableFuture<Optional<MutexGuard<Integer>>> shortWait = new CompletableFuture<>();
            startThread(() -> {
                try {
                    shortWait.complete(mu.tryLock(Duration.ofNanos(ThreadLocalRandom.current().nextInt(50_000))));
                } catch (Throwable t) {
                    shortWait.completeExceptionally(t);
                }
            });
            CompletableFuture<MutexGuard<Integer>> patient = CompletableFuture.supplyAsync(mu::lock);
            spin(ThreadLocalRandom.current().nextInt(50_000));
            held.close();
            shortWait.get().ifPresent(MutexGuard::close);
            patient.get(10, TimeUnit.SECONDS).close(); // a lost wake-up leaves this one parked forever
            assertFree(mu, i);
        }
    }

    /**
     * The woken head of the queue loses to a barging thread, which then releases while the head
     * turns to go back to sleep. That release saw the head awake and woke nobody, so the head must
     * notice the free lock before it parks; nobody else comes to release again.
     */
    @Test
    void aWokenHeadThatLostToABargerIsNotStrandedByTheBargersRelease() throws Exception {
        Mutex<Integer> mu = new Mutex<>(0);
        for (int i = 0; i < 5_000; i++) {
            MutexGuard<Integer> held = mu.lock();
            CompletableFuture<Void> head = new CompletableFuture<>();
            Thread waiter = startThread(() -> {
                mu.lock().close();
                head.complete(null);
            });
            TestSupport.spinUntilQueued(mu, 1);
            held.close(); // wakes the head...
            try (MutexGuard<Integer> barged = mu.lock()) { // ...and barges in before it runs
                spin(ThreadLocalRandom.current().nextInt(2_000));
            }
            assertThat(head).as("round %d: the head stayed parked with the lock free", i)
                    .succeedsWithin(Duration.ofSeconds(10));
            waiter.join();
            assertFree(mu, i);
        }
    }

    /**
     * Short bursts of blocking contention, thousands of times: every burst ends with a last release
     * and nobody after it, so a woken waiter that misses that release (a lost wake-up) parks
     * forever, where a longer run would have healed it with the next release.
     */
    @Test
    void noWakeUpIsLostAtTheLastReleaseOfABurst() throws Exception {
        Mutex<long[]> mu = new Mutex<>(new long[1]);
        for (int round = 0; round < 3_000; round++) {
            CyclicBarrier go = new CyclicBarrier(3);
            Runnable burst = () -> {
                await(go);
                for (int i = 0; i < 20; i++) {
                    try (MutexGuard<long[]> g = mu.lock()) {
                        g.get()[0]++;
                    }
                }
            };
            Thread a = startThread(burst);
            Thread b = startThread(burst);
            Thread c = startThread(burst);
            a.join();
            b.join();
            c.join();
            assertFree(mu, round);
        }
        try (MutexGuard<long[]> g = mu.lock()) {
            assertThat(g.get()[0]).isEqualTo(3_000L * 3 * 20);
        }
    }

    /**
     * Starts a thread that waits interruptibly, closes what it is granted, and completes the outcome
     * with "interrupted", "granted+interrupted" or "granted". A grant is checked for the interrupt
     * only once it has been sent: whether it came during the wait (and lost the race) or after it,
     * the flag must then be set, never swallowed.
     */
    private static Thread startInterruptibleWaiter(Mutex<Integer> mu, AtomicBoolean interruptSent,
            CompletableFuture<String> outcome) {
        return startThread(() -> {
            try {
                MutexGuard<Integer> g = mu.lockInterruptibly();
                while (!interruptSent.get()) {
                    Thread.onSpinWait();
                }
                boolean flag = Thread.currentThread().isInterrupted();
                g.close();
                outcome.complete(flag ? "granted+interrupted" : "granted");
            } catch (InterruptedException e) {
                outcome.complete("interrupted"); // had it been granted too, assertFree would fail
            }
        });
    }

    private static void assertFree(ObservableLock lock, int round) {
        assertThat(lock.isLocked()).as("round %d leaked the lock", round).isFalse();
        assertThat(lock.getQueueLength()).as("round %d left a request queued", round).isZero();
    }

    private static void spin(int iterations) {
        for (int i = 0; i < iterations; i++) {
            Thread.onSpinWait();
        }
    }

    private static void await(CyclicBarrier barrier) {
        try {
            barrier.await();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }
}
