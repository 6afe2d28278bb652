package io.ironfence;

import io.ironfence.spi.LockListener;
import io.ironfence.spi.LockMode;
import io.ironfence.spi.WaitOutcome;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

import static io.ironfence.TestSupport.awaitQueueLength;
import static io.ironfence.TestSupport.startThread;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** max-waiting and shared waiting limits: requests beyond the bound fail at once and hold nothing. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class BoundedQueueTest {

    @Test
    void aFullQueueTurnsEveryWaitingKindOfRequestAwayAtOnce() throws Exception {
        Mutex<int[]> mu = Mutex.named("shipping", new int[1]);
        mu.setMaxWaiting(2);
        RejectionCounter listener = new RejectionCounter();
        mu.addListener(listener);
        MutexGuard<int[]> held = mu.lockAsync().join(); // no owner thread: this thread may ask again
        Thread blocked = startThread(() -> {
            try (MutexGuard<int[]> g = mu.lock()) {
                g.get()[0]++;
            }
        });
        CompletableFuture<MutexGuard<int[]>> queued = mu.lockAsync();
        awaitQueueLength(mu, 2);

        assertThatThrownBy(mu::lock).isInstanceOf(LockQueueFullException.class)
                .isInstanceOf(LockUnavailableException.class)
                .hasMessageContaining("'shipping'").hasMessageContaining("2 requests already wait")
                .satisfies(e -> assertThat(((LockQueueFullException) e).getMaxWaiting()).isEqualTo(2));
        assertThatThrownBy(mu::lockInterruptibly).isInstanceOf(LockQueueFullException.class);
        assertThatThrownBy(() -> mu.tryLock(Duration.ofMinutes(1))).isInstanceOf(LockQueueFullException.class);
        CompletableFuture<MutexGuard<int[]>> turnedAway = mu.lockAsync();
        assertThat(turnedAway).isCompletedExceptionally();
        assertThatThrownBy(turnedAway::join).hasCauseInstanceOf(LockQueueFullException.class);
        assertThat(turnedAway.cancel(false)).isFalse(); // nothing to withdraw, nothing withdrawn
        assertThat(mu.tryLock()).isEmpty(); // a try never waits, so it is not rejected: it fails empty
        assertThat(mu.getQueueLength()).isEqualTo(2);
        assertThat(listener.rejected.sum()).isEqualTo(4);

        held.close();
        queued.join().close();
        blocked.join();
        assertThat(mu.isLocked()).isFalse();
        assertThat(mu.getQueueLength()).isZero();
        try (MutexGuard<int[]> g = mu.lock()) {
            assertThat(g.get()[0]).isEqualTo(1);
        }
    }

    @Test
    void aFreeLockIsGrantedEvenWithNoRoomToWait() {
        Mutex<String> mu = new Mutex<>("v");
        mu.setMaxWaiting(0);
        try (MutexGuard<String> g = mu.lock()) {
            assertThat(mu.lockAsync()).isCompletedExceptionally();
        }
        mu.lockAsync().join().close();
        assertThat(mu.isLocked()).isFalse();
    }

    @Test
    void readersAndWritersShareTheBound() throws Exception {
        RWLock<String> rw = RWLock.named("catalogue", "v");
        rw.setMaxWaiting(2);
        WriteGuard<String> writer = rw.writeAsync().join();
        CompletableFuture<ReadGuard<String>> reader = rw.readAsync();
        CompletableFuture<WriteGuard<String>> nextWriter = rw.writeAsync();
        assertThat(rw.getQueueLength()).isEqualTo(2);
        assertThatThrownBy(rw::read).isInstanceOf(LockQueueFullException.class);
        assertThatThrownBy(rw::write).isInstanceOf(LockQueueFullException.class);
        assertThat(rw.readAsync()).isCompletedExceptionally();
        writer.close();
        reader.join().close();
        nextWriter.join().close();
        assertThat(rw.isLocked()).isFalse();
    }

    @Test
    void aWithdrawnRequestMakesRoom() {
        Mutex<String> mu = new Mutex<>("v");
        mu.setMaxWaiting(1);
        MutexGuard<String> held = mu.lock();
        CompletableFuture<MutexGuard<String>> first = mu.lockAsync();
        assertThat(mu.lockAsync()).isCompletedExceptionally();
        first.cancel(false);
        CompletableFuture<MutexGuard<String>> second = mu.lockAsync();
        assertThat(second).isNotDone();
        held.close();
        second.join().close();
    }

    @Test
    void locksSharingALimitCountTheirWaitersTogether() {
        WaitingLimit limit = new WaitingLimit(2);
        Mutex<String> a = Mutex.named("owner", "a");
        Mutex<String> b = Mutex.named("owner", "b");
        a.setWaitingLimit(limit);
        b.setWaitingLimit(limit);
        MutexGuard<String> holdA = a.lock();
        MutexGuard<String> holdB = b.lock();
        CompletableFuture<MutexGuard<String>> waitA = a.lockAsync();
        CompletableFuture<MutexGuard<String>> waitB = b.lockAsync();
        assertThat(limit.getWaiting()).isEqualTo(2);
        assertThatThrownBy(() -> a.lockAsync().join()).isInstanceOf(CompletionException.class)
                .hasCauseInstanceOf(LockQueueFullException.class)
                .hasMessageContaining("shares its WaitingLimit")
                .satisfies(e -> assertThat(((LockQueueFullException) e.getCause()).getWaitingLimit()).isSameAs(limit));
        holdA.close();
        assertThat(limit.getWaiting()).isEqualTo(1); // granted: its place is free again
        waitA.join().close();
        assertThat(b.lockAsync()).isNotDone();
        holdB.close();
        waitB.join().close();
        assertThat(limit.getWaiting()).isZero();
    }

    /**
     * Blocking, timed and asynchronous requests (some cancelled) race on two locks that have their
     * own bound and share a limit. Invariants: mutual exclusion, every request ends granted or
     * turned away (or timed out or cancelled) exactly once, the queue never exceeds its bound, and
     * at the end both locks are free and every place in the shared limit is given back.
     */
    @Test
    void boundsHoldUnderRacingRequestsAndEveryPlaceIsGivenBack() throws Exception {
        for (int round = 0; round < 20; round++) {
            WaitingLimit limit = new WaitingLimit(5);
            List<Mutex<int[]>> locks = List.of(new Mutex<>(new int[2]), new Mutex<>(new int[2]));
            for (Mutex<int[]> mu : locks) {
                mu.setMaxWaiting(3);
                mu.setWaitingLimit(limit);
            }
            AtomicInteger overBound = new AtomicInteger();
            LongAdder granted = new LongAdder();
            LongAdder rejected = new LongAdder();
            LongAdder other = new LongAdder();
            int threads = 6;
            int requests = 300;
            CyclicBarrier start = new CyclicBarrier(threads);
            List<Thread> workers = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                workers.add(startThread(() -> {
                    awaitBarrier(start);
                    ThreadLocalRandom random = ThreadLocalRandom.current();
                    for (int i = 0; i < requests; i++) {
                        Mutex<int[]> mu = locks.get(random.nextInt(2));
                        try {
                            switch (random.nextInt(3)) {
                                case 0 -> {
                                    try (MutexGuard<int[]> g = mu.lock()) {
                                        exclusive(g.get(), mu, overBound);
                                    }
                                    granted.increment();
                                }
                                case 1 -> {
                                    var g = mu.tryLock(Duration.ofNanos(random.nextInt(200_000)));
                                    if (g.isPresent()) {
                                        try (MutexGuard<int[]> guard = g.get()) {
                                            exclusive(guard.get(), mu, overBound);
                                        }
                                        granted.increment();
                                    } else {
                                        other.increment();
                                    }
                                }
                                default -> {
                                    CompletableFuture<MutexGuard<int[]>> f = mu.lockAsync();
                                    if (random.nextInt(4) == 0) {
                                        f.cancel(false);
                                    }
                                    try (MutexGuard<int[]> g = f.join()) {
                                        exclusive(g.get(), mu, overBound);
                                        granted.increment();
                                    } catch (CompletionException | java.util.concurrent.CancellationException e) {
                                        if (e.getCause() instanceof LockQueueFullException) {
                                            rejected.increment();
                                        } else {
                                            other.increment();
                                        }
                                    }
                                }
                            }
                        } catch (LockQueueFullException e) {
                            rejected.increment();
                        } catch (InterruptedException e) {
                            throw new AssertionError(e);
                        }
                    }
                }));
            }
            for (Thread worker : workers) {
                worker.join();
            }
            assertThat(granted.sum() + rejected.sum() + other.sum()).isEqualTo((long) threads * requests);
            assertThat(overBound).hasValue(0);
            assertThat(limit.getWaiting()).isZero();
            long total = 0;
            for (Mutex<int[]> mu : locks) {
                assertThat(mu.isLocked()).isFalse();
                assertThat(mu.getQueueLength()).isZero();
                try (MutexGuard<int[]> g = mu.lock()) {
                    assertThat(g.get()[1]).isZero(); // never two inside at once
                    total += g.get()[0];
                }
            }
            assertThat(total).isEqualTo(granted.sum());
        }
    }

    private static void awaitBarrier(CyclicBarrier barrier) {
        try {
            barrier.await(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private static void exclusive(int[] state, Mutex<int[]> mu, AtomicInteger overBound) {
        if (++state[1] != 1) {
            state[1] = 100; // remembered: mutual exclusion failed
        }
        if (mu.getQueueLength() > mu.getMaxWaiting()) {
            overBound.incrementAndGet();
        }
        state[0]++;
        state[1]--;
    }

    @Test
    void badBoundsAreRefusedWithWhatToDo() {
        assertThatThrownBy(() -> new Mutex<>("v").setMaxWaiting(-1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("0 or more");
        assertThatThrownBy(() -> new WaitingLimit(-1)).isInstanceOf(IllegalArgumentException.class);
    }

    private static final class RejectionCounter implements LockListener {
        final LongAdder rejected = new LongAdder();

        @Override
        public void onGiveUp(ObservableLock lock, LockMode mode, WaitOutcome outcome, long requestNanos, long giveUpNanos) {
            if (outcome == WaitOutcome.REJECTED) {
                rejected.increment();
            }
        }
    }
}
