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

/**
 * {@link LockListener#onQueued} is told of exactly the requests that wait, on the requesting
 * thread (the caller's for an asynchronous request), and its context comes back once, with the
 * outcome, to {@link LockListener#onWaitEnded}: to each listener its own.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class QueuedListenerTest {

    record Queued(String listener, String thread, LockMode mode) {
    }

    record Ended(String listener, Queued queued, WaitOutcome outcome) {
    }

    static final class Recorder implements LockListener {
        final String name;
        final List<Queued> queued = new CopyOnWriteArrayList<>();
        final List<Ended> ended = new CopyOnWriteArrayList<>();

        Recorder(String name) {
            this.name = name;
        }

        @Override
        public Object onQueued(ObservableLock lock, LockMode mode, long requestNanos) {
            Queued context = new Queued(name, Thread.currentThread().getName(), mode);
            queued.add(context);
            return context;
        }

        @Override
        public void onWaitEnded(Object context, WaitOutcome outcome) {
            ended.add(new Ended(name, (Queued) context, outcome));
        }
    }

    @Test
    void onlyQueuedRequestsAreToldAndEachContextEndsOnceWithItsOutcome() throws Exception {
        Mutex<String> mu = Mutex.named("ledger", "v");
        Recorder first = new Recorder("first");
        Recorder second = new Recorder("second");
        mu.addListener(first);
        mu.addListener(second);

        mu.lock().close();
        mu.lockAsync().join().close();
        assertThat(first.queued).isEmpty(); // granted at once: nothing queued

        MutexGuard<String> held = mu.lockAsync().join();
        Thread waiter = startThread(() -> mu.lock().close());
        awaitQueueLength(mu, 1);
        CompletableFuture<MutexGuard<String>> granted = mu.lockAsync();
        CompletableFuture<MutexGuard<String>> cancelled = mu.lockAsync();
        assertThat(mu.tryLock(Duration.ofMillis(1))).isEmpty();
        cancelled.cancel(false);
        held.close();
        waiter.join();
        granted.join().close();

        for (Recorder recorder : List.of(first, second)) {
            assertThat(recorder.queued).hasSize(4);
            assertThat(recorder.queued).extracting(Queued::thread)
                    .containsExactly(waiter.getName(), caller(), caller(), caller());
            assertThat(recorder.ended).hasSize(4).allSatisfy(ended -> assertThat(ended.listener()).isEqualTo(recorder.name));
            assertThat(recorder.ended).extracting(Ended::outcome).containsExactlyInAnyOrder(WaitOutcome.ACQUIRED,
                    WaitOutcome.ACQUIRED, WaitOutcome.CANCELLED, WaitOutcome.TIMEOUT);
            assertThat(recorder.ended).extracting(Ended::queued).containsExactlyInAnyOrderElementsOf(recorder.queued);
        }
    }

    @Test
    void aRequestTurnedAwayByAFullQueueIsNotQueued() {
        Mutex<String> mu = Mutex.named("shipping", "v");
        mu.setMaxWaiting(0);
        Recorder recorder = new Recorder("only");
        mu.addListener(recorder);
        try (MutexGuard<String> held = mu.lockAsync().join()) {
            assertThat(mu.lockAsync()).isCompletedExceptionally();
        }
        assertThat(recorder.queued).isEmpty();
    }

    private static String caller() {
        return Thread.currentThread().getName();
    }
}
