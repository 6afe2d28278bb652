package io.ironfence;

import io.ironfence.spi.LockListener;
import io.ironfence.spi.LockMode;
import io.ironfence.spi.WaitOutcome;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static io.ironfence.TestSupport.awaitQueueLength;
import static io.ironfence.TestSupport.startThread;
import static org.assertj.core.api.Assertions.assertThat;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class LockListenerTest {

    /** Records events as short strings, and checks the timestamps are ordered. */
    static final class Recorder implements LockListener {
        final List<String> events = new CopyOnWriteArrayList<>();
        final List<Guard<?>> acquired = new CopyOnWriteArrayList<>();

        @Override
        public void onRequest(ObservableLock lock, LockMode mode, long requestNanos) {
            events.add("request " + mode.tagValue());
        }

        @Override
        public void onAcquire(ObservableLock lock, Guard<?> guard, LockMode mode, long requestNanos, long grantNanos,
                boolean waited, boolean async) {
            assertThat(grantNanos).isGreaterThanOrEqualTo(requestNanos);
            acquired.add(guard);
            events.add("acquire " + mode.tagValue() + (waited ? " waited" : "") + (async ? " async" : ""));
        }

        @Override
        public void onRelease(ObservableLock lock, Guard<?> guard, LockMode mode, long grantNanos, long releaseNanos) {
            assertThat(releaseNanos).isGreaterThanOrEqualTo(grantNanos);
            assertThat(acquired).contains(guard);
            events.add("release " + mode.tagValue());
        }

        @Override
        public void onGiveUp(ObservableLock lock, LockMode mode, WaitOutcome outcome, long requestNanos,
                long giveUpNanos) {
            assertThat(giveUpNanos).isGreaterThanOrEqualTo(requestNanos);
            events.add(outcome.tagValue() + " " + mode.tagValue());
        }
    }

    @Test
    void uncontendedAcquisitionsAndFailedTries() {
        Mutex<Integer> mu = Mutex.named("observed", 0);
        Recorder recorder = new Recorder();
        mu.addListener(recorder);
        mu.lock().close();
        try (MutexGuard<Integer> g = mu.lock()) {
            assertThat(startThreadAndGet(() -> mu.tryLock().isPresent())).isFalse();
        }
        assertThat(recorder.events).containsExactly(
                "request exclusive", "acquire exclusive", "release exclusive",
                "request exclusive", "acquire exclusive",
                "request exclusive", "timeout exclusive",
                "release exclusive");
    }

    @Test
    void contendedGrantsAreReportedAfterTheReleaseThatAllowsThem() throws Exception {
        Mutex<Integer> mu = new Mutex<>(0);
        Recorder recorder = new Recorder();
        mu.addListener(recorder);
        MutexGuard<Integer> held = mu.lock();
        CompletableFuture<MutexGuard<Integer>> async = mu.lockAsync();
        CompletableFuture<MutexGuard<Integer>> blocking = new CompletableFuture<>();
        startThread(() -> blocking.complete(mu.lock()));
        awaitQueueLength(mu, 2);
        recorder.events.clear();

        held.close();
        async.get().close();
        blocking.get().close();
        assertThat(recorder.events).containsExactly(
                "release exclusive",
                "acquire exclusive waited async", "release exclusive",
                "acquire exclusive waited", "release exclusive");
    }

    @Test
    void timedOutInterruptedAndCancelledRequests() throws Exception {
        Mutex<Integer> mu = new Mutex<>(0);
        Recorder recorder = new Recorder();
        mu.addListener(recorder);
        try (MutexGuard<Integer> held = mu.lock()) {
            startThread(() -> {
                try {
                    mu.tryLock(Duration.ofMillis(5));
                } catch (InterruptedException e) {
                    throw new AssertionError(e);
                }
            }).join();
            assertThat(TestSupport.interruptWhileWaiting(mu, mu::lockInterruptibly))
                    .isInstanceOf(InterruptedException.class);
            mu.lockAsync().cancel(false);
        }
        assertThat(recorder.events).containsExactly(
                "request exclusive", "acquire exclusive",
                "request exclusive", "timeout exclusive",
                "request exclusive", "interrupted exclusive",
                "request exclusive", "cancelled exclusive",
                "release exclusive");
    }

    /** A caller's cancel (or complete) is a give-up only if it withdrew a waiting request, and only once. */
    @Test
    void cancellingAFutureReportsAGiveUpOnlyForTheWithdrawalOfAWaitingRequest() {
        Mutex<Integer> mu = new Mutex<>(0);
        Recorder recorder = new Recorder();
        mu.addListener(recorder);
        CompletableFuture<MutexGuard<Integer>> granted = mu.lockAsync();
        assertThat(granted.cancel(false)).as("too late: it was granted at once").isFalse();
        CompletableFuture<MutexGuard<Integer>> queued = mu.lockAsync();
        assertThat(queued.cancel(false)).isTrue();
        queued.cancel(false);
        queued.complete(null);
        granted.join().close();
        assertThat(recorder.events).containsExactly(
                "request exclusive", "acquire exclusive async",
                "request exclusive", "cancelled exclusive",
                "release exclusive");
    }

    @Test
    void readWriteAndDowngradeEvents() {
        RWLock<Integer> rw = new RWLock<>(0);
        Recorder recorder = new Recorder();
        rw.addListener(recorder);
        rw.read().close();
        rw.write().downgrade().close();
        assertThat(recorder.events).containsExactly(
                "request shared", "acquire shared", "release shared",
                "request exclusive", "acquire exclusive", "release exclusive", "acquire shared", "release shared");
    }

    @Test
    void aFailingListenerNeverAffectsTheLockOrTheOtherListeners() {
        Mutex<Integer> mu = new Mutex<>(0);
        LockListener failing = new LockListener() {
            @Override
            public void onAcquire(ObservableLock lock, Guard<?> guard, LockMode mode, long requestNanos,
                    long grantNanos, boolean waited, boolean async) {
                throw new IllegalStateException("listener bug");
            }

            @Override
            public void onRelease(ObservableLock lock, Guard<?> guard, LockMode mode, long grantNanos,
                    long releaseNanos) {
                throw new IllegalStateException("listener bug");
            }
        };
        Recorder recorder = new Recorder();
        mu.addListener(failing);
        mu.addListener(recorder);
        try (MutexGuard<Integer> g = mu.lock()) {
            g.set(1);
        }
        assertThat(mu.isLocked()).isFalse();
        assertThat(recorder.events).containsExactly("request exclusive", "acquire exclusive", "release exclusive");
    }

    @Test
    void removedListenersStillHearOfTheReleaseOfHoldsTheySawGranted() {
        Mutex<Integer> mu = new Mutex<>(0);
        Recorder first = new Recorder();
        Recorder second = new Recorder();
        mu.addListener(first);
        mu.addListener(second);
        MutexGuard<Integer> g = mu.lock();
        assertThat(mu.removeListener(first)).isTrue();
        assertThat(mu.removeListener(first)).isFalse();
        g.close();
        assertThat(first.events).containsExactly("request exclusive", "acquire exclusive", "release exclusive");
        mu.lock().close();
        assertThat(first.events).hasSize(3);
        assertThat(second.events).hasSize(6);
        assertThat(mu.removeListener(second)).isTrue();
        mu.lock().close();
        assertThat(second.events).hasSize(6);
    }

    /** Keeps the timestamps it is given (request, grant, release); says whether it reads them. */
    static final class Timestamps implements LockListener {
        final boolean readsThem;
        final List<Long> releaseNanos = new CopyOnWriteArrayList<>();
        final List<Long> acquireNanos = new CopyOnWriteArrayList<>();

        Timestamps(boolean readsThem) {
            this.readsThem = readsThem;
        }

        @Override
        public void onAcquire(ObservableLock lock, Guard<?> guard, LockMode mode, long requestNanos, long grantNanos,
                boolean waited, boolean async) {
            acquireNanos.add(requestNanos);
            acquireNanos.add(grantNanos);
        }

        @Override
        public void onRelease(ObservableLock lock, Guard<?> guard, LockMode mode, long grantNanos, long releaseNanos) {
            this.releaseNanos.add(releaseNanos);
        }

        @Override
        public boolean usesTimestamps() {
            return readsThem;
        }
    }

    @Test
    void theClockIsReadOnlyWhenAListenerUsesTimestamps() {
        Mutex<Integer> mu = new Mutex<>(0);
        Timestamps ignoring = new Timestamps(false);
        mu.addListener(ignoring);
        mu.lock().close();
        mu.lockAsync().join().close();
        RWLock<Integer> rw = new RWLock<>(0);
        Timestamps ignoringToo = new Timestamps(false);
        rw.addListener(ignoringToo);
        rw.read().close();
        rw.write().downgrade().close();
        assertThat(ignoring.acquireNanos).hasSize(4).containsOnly(0L);
        assertThat(ignoring.releaseNanos).containsExactly(0L, 0L);
        assertThat(ignoringToo.acquireNanos).hasSize(6).containsOnly(0L);
        assertThat(ignoringToo.releaseNanos).containsExactly(0L, 0L, 0L);

        Timestamps reading = new Timestamps(true);
        mu.addListener(reading); // one listener that reads them: every listener is given them
        long before = System.nanoTime();
        mu.lock().close();
        long after = System.nanoTime();
        assertThat(reading.acquireNanos).hasSize(2).allSatisfy(t -> assertThat(t).isBetween(before, after));
        assertThat(reading.releaseNanos).singleElement().satisfies(t -> assertThat(t).isBetween(before, after));
        assertThat(ignoring.releaseNanos).last().isEqualTo(reading.releaseNanos.get(0));
        assertThat(ignoring.acquireNanos.subList(4, 6)).isEqualTo(reading.acquireNanos);
    }

    @Test
    void aFanOutGivesEachListenerTheEventsItListensTo() {
        Mutex<Integer> mu = new Mutex<>(0);
        Timestamps releasesOnly = new Timestamps(false);
        Recorder everything = new Recorder();
        mu.addListener(releasesOnly);
        mu.addListener(everything);
        mu.lock().close();
        try (MutexGuard<Integer> g = mu.lock()) {
            assertThat(startThreadAndGet(() -> mu.tryLock().isPresent())).isFalse();
        }
        assertThat(releasesOnly.releaseNanos).hasSize(2);
        assertThat(everything.events).containsExactly(
                "request exclusive", "acquire exclusive", "release exclusive",
                "request exclusive", "acquire exclusive",
                "request exclusive", "timeout exclusive",
                "release exclusive");
    }

    private static boolean startThreadAndGet(java.util.function.BooleanSupplier body) {
        CompletableFuture<Boolean> result = new CompletableFuture<>();
        Thread t = startThread(() -> result.complete(body.getAsBoolean()));
        try {
            t.join();
            return result.get();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }
}
