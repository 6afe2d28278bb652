package io.ironfence;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;

import static org.awaitility.Awaitility.await;

/** Small helpers shared by the tests. Waiting is by condition (Awaitility), never by sleeping. */
final class TestSupport {

    private TestSupport() {
    }

    static Thread startThread(Runnable body) {
        Thread t = new Thread(body, "test-" + body.hashCode());
        t.setDaemon(true);
        t.start();
        return t;
    }

    /** A wait that may throw, as the interruptible acquisitions do. */
    interface Wait {
        AutoCloseable acquire() throws Exception;
    }

    /**
     * Starts a thread that waits on {@code lock} through {@code wait}, interrupts it once it is
     * queued, and returns what the wait threw (null if it acquired, and then released, instead).
     * The queue must be empty before the call.
     */
    static Throwable interruptWhileWaiting(ObservableLock lock, Wait wait) throws Exception {
        CompletableFuture<Throwable> outcome = new CompletableFuture<>();
        Thread waiter = startThread(() -> {
            try {
                wait.acquire().close();
                outcome.complete(null);
            } catch (Throwable t) {
                outcome.complete(t);
            }
        });
        awaitQueueLength(lock, 1);
        waiter.interrupt();
        Throwable thrown = outcome.get();
        waiter.join();
        return thrown;
    }

    /** For a thread body, which cannot throw InterruptedException: waits for the latch, failing the test if interrupted. */
    static void awaitOrFail(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
    }

    /** Waits until exactly {@code n} requests are queued: the way to know a thread is now waiting. */
    static void awaitQueueLength(ObservableLock lock, int n) {
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(1))
                .until(lock::getQueueLength, q -> q == n);
    }

    /**
     * Spins until at least {@code n} requests are queued: {@link #awaitQueueLength} without its
     * millisecond poll, for tests whose timing matters (a queued waiter ages while the test waits).
     * A thread that never queues is caught by the test's {@code @Timeout}.
     */
    static void spinUntilQueued(ObservableLock lock, int n) {
        while (lock.getQueueLength() < n) {
            Thread.onSpinWait();
        }
    }
}
