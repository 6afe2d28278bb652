package io.ironfence;

import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Java 21+: waiting for an IronFence lock parks, so a virtual thread unmounts and frees its
 * carrier. 10,000 virtual threads queue at once behind a holder that is itself parked on a latch;
 * with only as many carriers as cores, that is possible only if no waiter pins its carrier, and
 * JFR must record no {@code jdk.VirtualThreadPinned} event.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class VirtualThreadTest {

    private static final int THREADS = 10_000;

    @TempDir
    Path tempDir;

    @Test
    void tenThousandVirtualThreadsQueueOnAMutexWithoutPinning() throws Exception {
        Mutex<long[]> mu = Mutex.named("virtual", new long[1]);
        List<RecordedEvent> pinned = recordPinning(() -> {
            CountDownLatch release = new CountDownLatch(1);
            try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
                MutexGuard<long[]> first = mu.lockAsync().join();
                threads.submit(() -> {
                    awaitLatch(release); // the holder itself unmounts while everyone queues behind it
                    first.close();
                });
                for (int i = 0; i < THREADS; i++) {
                    threads.submit(() -> {
                        try (MutexGuard<long[]> g = mu.lock()) {
                            g.get()[0]++;
                            Thread.yield();
                        }
                    });
                }
                await().atMost(Duration.ofSeconds(60)).until(mu::getQueueLength, q -> q == THREADS);
                release.countDown();
            }
        });
        assertThat(pinned).isEmpty();
        try (MutexGuard<long[]> g = mu.lock()) {
            assertThat(g.get()[0]).isEqualTo(THREADS);
        }
        assertThat(mu.isLocked()).isFalse();
        assertThat(mu.getQueueLength()).isZero();
    }

    @Test
    void tenThousandVirtualThreadsQueueOnAnRWLockWithoutPinning() throws Exception {
        RWLock<long[]> rw = RWLock.named("virtual", new long[1]);
        AtomicInteger reads = new AtomicInteger();
        List<RecordedEvent> pinned = recordPinning(() -> {
            CountDownLatch release = new CountDownLatch(1);
            try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
                WriteGuard<long[]> first = rw.writeAsync().join();
                threads.submit(() -> {
                    awaitLatch(release);
                    first.close();
                });
                for (int i = 0; i < THREADS; i++) {
                    boolean write = i % 10 == 0;
                    threads.submit(() -> {
                        if (write) {
                            try (WriteGuard<long[]> g = rw.write()) {
                                g.get()[0]++;
                                Thread.yield();
                            }
                        } else {
                            try (ReadGuard<long[]> g = rw.read()) {
                                reads.incrementAndGet();
                                Thread.yield();
                            }
                        }
                    });
                }
                await().atMost(Duration.ofSeconds(60)).until(rw::getQueueLength, q -> q == THREADS);
                release.countDown();
            }
        });
        assertThat(pinned).isEmpty();
        assertThat(reads.get()).isEqualTo(THREADS - THREADS / 10);
        try (ReadGuard<long[]> g = rw.read()) {
            assertThat(g.get()[0]).isEqualTo(THREADS / 10);
        }
        assertThat(rw.isLocked()).isFalse();
    }

    private List<RecordedEvent> recordPinning(Runnable body) throws Exception {
        // The first use of a class initializes it under a JVM monitor, which can pin a virtual thread
        // that contends for it: a one-time JVM effect, not a wait for the lock. Initialize first.
        for (Class<?> c : List.of(Mutex.class, RWLock.class, Sync.class, Waiter.class, GrantDelivery.class,
                AsyncAcquisition.class, MutexHold.class, ReadHold.class, WriteHold.class, Listeners.class,
                java.util.concurrent.locks.LockSupport.class)) {
            java.lang.invoke.MethodHandles.lookup().ensureInitialized(c);
        }
        Path file = tempDir.resolve("pinning.jfr");
        try (Recording recording = new Recording()) {
            recording.enable("jdk.VirtualThreadPinned").withThreshold(Duration.ZERO).withStackTrace();
            recording.start();
            body.run();
            recording.stop();
            recording.dump(file);
        }
        return RecordingFile.readAllEvents(file).stream()
                .filter(e -> e.getEventType().getName().equals("jdk.VirtualThreadPinned"))
                .toList();
    }

    private static void awaitLatch(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
    }
}
