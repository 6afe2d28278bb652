package io.ironfence;

import java.time.Duration;

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

    /** Waits until exactly {@code n} requests are queued: the way to know a thread is now waiting. */
    static void awaitQueueLength(ObservableLock lock, int n) {
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(1))
                .until(lock::getQueueLength, q -> q == n);
    }
}
