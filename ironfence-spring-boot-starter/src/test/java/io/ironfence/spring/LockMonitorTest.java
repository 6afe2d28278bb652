package io.ironfence.spring;

import io.ironfence.Guard;
import io.ironfence.Mutex;
import io.ironfence.MutexGuard;
import io.ironfence.RWLock;

import io.ironfence.micrometer.LockMetrics;

import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The monitor counts every grant exactly, however the lock is taken, while many threads take it:
 * the single lock's exclusive grants are counted by their holders alone (see
 * {@code LockMonitor.exclusiveGrants}), every other grant in a shared counter.
 */
@Timeout(60)
class LockMonitorTest {

    private static final int THREADS = 4;
    private static final int ROUNDS = 2_000;

    @RepeatedTest(5)
    void countsEveryGrantOfAMutexTakenBlockingAsynchronouslyAndByTry() throws Exception {
        Mutex<long[]> mutex = Mutex.named("ledger", new long[1]);
        LockMonitor monitor = new LockMonitor("ledger", null, false);
        monitor.setSingleLock(mutex);
        mutex.addListener(monitor);
        AtomicLong granted = new AtomicLong();
        AtomicInteger inside = new AtomicInteger();
        race(thread -> {
            for (int i = 0; i < ROUNDS; i++) {
                MutexGuard<long[]> guard = switch ((thread + i) % 3) {
                    case 0 -> mutex.lock();
                    case 1 -> mutex.lockAsync().join();
                    default -> mutex.tryLock().orElse(null);
                };
                if (guard != null) {
                    try (guard) {
                        assertThat(inside.incrementAndGet()).isEqualTo(1); // mutual exclusion
                        guard.get()[0]++;
                        granted.incrementAndGet();
                        inside.decrementAndGet();
                    }
                }
            }
        });
        assertThat(monitor.getAcquisitions()).isEqualTo(granted.get());
        try (MutexGuard<long[]> guard = mutex.lock()) {
            assertThat(guard.get()[0]).isEqualTo(granted.get());
        }
        assertThat(monitor.getHolders()).isEmpty();
        assertThat(mutex.isLocked()).isFalse();
    }

    @RepeatedTest(5)
    void countsReadAndWriteGrantsOfARWLockAndOfAKeysLock() throws Exception {
        RWLock<long[]> single = RWLock.named("catalogue", new long[1]);
        Mutex<long[]> keyLock = Mutex.named("catalogue", new long[1]); // a key's lock: not the single lock
        LockMonitor monitor = new LockMonitor("catalogue", null, false);
        monitor.setSingleLock(single);
        single.addListener(monitor);
        keyLock.addListener(monitor);
        AtomicLong granted = new AtomicLong();
        race(thread -> {
            for (int i = 0; i < ROUNDS; i++) {
                Guard<long[]> guard = switch ((thread + i) % 3) {
                    case 0 -> single.write();
                    case 1 -> single.read();
                    default -> keyLock.lock();
                };
                try (guard) {
                    granted.incrementAndGet();
                }
            }
        });
        assertThat(monitor.getAcquisitions()).isEqualTo(granted.get()).isEqualTo((long) THREADS * ROUNDS);
        assertThat(monitor.getHolders()).isEmpty();
        assertThat(single.isLocked()).isFalse();
        assertThat(keyLock.isLocked()).isFalse();
    }

    @Test
    void aHoldsAgeCountsFromItsGrantWhenAListenerReadsTheClockElseFromTheFirstLook() {
        Mutex<String> timed = Mutex.named("timed", "");
        LockMonitor timedMonitor = new LockMonitor("timed", null, false);
        timedMonitor.setSingleLock(timed);
        timed.addListener(timedMonitor);
        LockMetrics.of(timed); // uses timestamps: the lock now reads the clock for every listener
        Mutex<String> untimed = Mutex.named("untimed", "");
        LockMonitor untimedMonitor = new LockMonitor("untimed", null, false);
        untimedMonitor.setSingleLock(untimed);
        untimed.addListener(untimedMonitor);

        long taken = System.nanoTime();
        try (MutexGuard<String> a = timed.lock(); MutexGuard<String> b = untimed.lock()) {
            await().until(() -> System.nanoTime() - taken > Duration.ofMillis(200).toNanos());
            LockMonitor.Holder exact = timedMonitor.getHolders().get(0);
            LockMonitor.Holder firstLook = untimedMonitor.getHolders().get(0); // this look starts its age
            assertThat(exact.isAgeExact()).isTrue();
            assertThat(exact.getHeldFor()).isGreaterThanOrEqualTo(Duration.ofMillis(200));
            assertThat(firstLook.isAgeExact()).isFalse();
            assertThat(firstLook.getHeldFor()).isLessThan(Duration.ofMillis(200));
            Duration looked = firstLook.getHeldFor();
            await().until(() -> firstLook.getHeldFor().compareTo(looked) > 0); // and grows from there
        }
    }

    @FunctionalInterface
    private interface Body {
        void run(int thread) throws Exception;
    }

    private static void race(Body body) throws Exception {
        CyclicBarrier start = new CyclicBarrier(THREADS);
        List<CompletableFuture<Void>> done = new ArrayList<>();
        for (int t = 0; t < THREADS; t++) {
            int thread = t;
            done.add(CompletableFuture.runAsync(() -> {
                try {
                    start.await();
                    body.run(thread);
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }, runnable -> new Thread(runnable, "racer-" + thread).start()));
        }
        CompletableFuture.allOf(done.toArray(CompletableFuture[]::new)).join();
    }
}
