package io.ironfence;

import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedThread;
import jdk.jfr.consumer.RecordingFile;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static io.ironfence.TestSupport.awaitQueueLength;
import static io.ironfence.TestSupport.startThread;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * JFR sees IronFence waits by lock name: one {@code io.ironfence.LockWait} per queued blocking wait
 * (with its stack trace), one {@code io.ironfence.AsyncLockWait} per queued asynchronous request,
 * with lock, mode, outcome, queue length and holder; nothing for a request granted at once.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class JfrEventsTest {

    @TempDir
    Path dir;

    @Test
    void queuedWaitsAreRecordedWithLockModeOutcomeAndHolder() throws Exception {
        Mutex<String> ledger = Mutex.named("ledger", "v");
        RWLock<String> catalogue = RWLock.named("catalogue", "v");
        List<RecordedEvent> events;
        try (Recording recording = new Recording()) {
            recording.enable("io.ironfence.LockWait").withThreshold(Duration.ZERO).withStackTrace();
            recording.enable("io.ironfence.AsyncLockWait").withThreshold(Duration.ZERO);
            recording.start();

            ledger.lock().close(); // uncontended: no event
            ledger.lockAsync().join().close();
            try (MutexGuard<String> held = ledger.lock()) {
                Thread waiter = startThread(() -> ledger.lock().close());
                awaitQueueLength(ledger, 1);
                CompletableFuture<MutexGuard<String>> async = ledger.lockAsync();
                awaitQueueLength(ledger, 2);
                held.close();
                waiter.join();
                async.join().close();
            }
            try (MutexGuard<String> held = ledger.lockAsync().join()) {
                assertThat(ledger.tryLock(Duration.ofMillis(1))).isEmpty(); // from this thread: times out
                CompletableFuture<MutexGuard<String>> cancelled = ledger.lockAsync();
                cancelled.cancel(false);
            }
            try (WriteGuard<String> writing = catalogue.writeAsync().join()) {
                Thread reader = startThread(() -> catalogue.read().close());
                awaitQueueLength(catalogue, 1);
                writing.close();
                reader.join();
            }
            recording.stop();
            Path file = dir.resolve("waits.jfr");
            recording.dump(file);
            events = RecordingFile.readAllEvents(file).stream()
                    .filter(e -> e.getEventType().getName().startsWith("io.ironfence."))
                    .sorted(java.util.Comparator.comparing(RecordedEvent::getStartTime)).toList();
        }

        List<RecordedEvent> blocking = events.stream().filter(e -> e.getEventType().getName().equals("io.ironfence.LockWait")).toList();
        List<RecordedEvent> async = events.stream().filter(e -> e.getEventType().getName().equals("io.ironfence.AsyncLockWait")).toList();
        assertThat(blocking).hasSize(3); // the parked thread, the timed-out try, the reader
        assertThat(async).hasSize(2);    // the queued request and the cancelled one; none for grants at once

        RecordedEvent parked = blocking.get(0);
        assertThat(parked.getString("lock")).isEqualTo("ledger");
        assertThat(parked.getString("mode")).isEqualTo("exclusive");
        assertThat(parked.getString("outcome")).isEqualTo("acquired");
        assertThat(parked.getInt("queueLength")).isZero();
        assertThat(parked.<RecordedThread>getValue("holder").getJavaName()).isEqualTo(Thread.currentThread().getName());
        assertThat(parked.getStackTrace()).isNotNull();
        assertThat(blocking.get(1).getString("outcome")).isEqualTo("timeout");
        assertThat(blocking.get(1).<RecordedThread>getValue("holder")).isNull(); // held by an async task
        assertThat(blocking.get(2).getString("lock")).isEqualTo("catalogue");
        assertThat(blocking.get(2).getString("mode")).isEqualTo("shared");

        assertThat(async.get(0).getString("outcome")).isEqualTo("acquired");
        assertThat(async.get(0).getInt("queueLength")).isEqualTo(1); // behind the parked thread
        assertThat(async.get(0).getStackTrace()).isNull();
        assertThat(async.get(1).getString("outcome")).isEqualTo("cancelled");
    }
}
