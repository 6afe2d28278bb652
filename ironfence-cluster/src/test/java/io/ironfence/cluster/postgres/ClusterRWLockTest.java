package io.ironfence.cluster.postgres;

import io.ironfence.cluster.ClusterRWLock;
import io.ironfence.cluster.ClusterRWLock.ClusterReadGuard;
import io.ironfence.cluster.ClusterRWLock.ClusterWriteGuard;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Read-write cohorts over the PostgreSQL engine; several engines in one JVM stand for several instances. */
class ClusterRWLockTest extends PostgresTestBase {


    @Test
    void readersOfDifferentInstancesShareAndAWriterExcludesThem() throws Exception {
        ClusterRWLock a = new ClusterRWLock("catalogue", countingEngine("a"), 8);
        ClusterRWLock b = new ClusterRWLock("catalogue", countingEngine("b"), 8);
        ClusterRWLock c = new ClusterRWLock("catalogue", countingEngine("c"), 8);
        ClusterReadGuard readA = a.readInterruptibly("sku-1");
        ClusterReadGuard readB = b.readInterruptibly("sku-1"); // both read at once
        assertThat(c.tryWrite("sku-1", Duration.ofMillis(50))).isEmpty();
        assertThat(c.tryWrite("sku-2", Duration.ofSeconds(5))).hasValueSatisfying(ClusterWriteGuard::close);
        CompletableFuture<ClusterWriteGuard> writer = c.writeAsync("sku-1", null);
        readA.close();
        assertThat(writer).isNotDone();
        readB.close();
        try (ClusterWriteGuard written = writer.get(10, TimeUnit.SECONDS)) {
            assertThat(written.isValid()).isTrue();
            assertThat(a.tryRead("sku-1", Duration.ofMillis(50))).isEmpty();
        }
    }

    @Test
    void localReadersShareOneRemoteHold() throws Exception {
        CountingEngine engine = countingEngine("many-readers");
        ClusterRWLock lock = new ClusterRWLock("shared", engine, 8);
        List<ClusterReadGuard> reading = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            reading.add(lock.readInterruptibly(null));
        }
        assertThat(engine.requests).hasValue(1);
        assertThat(server.advisoryLocks()).isOne();
        reading.forEach(ClusterReadGuard::close);
        await().until(() -> server.advisoryLocks() == 0);
        assertThat(lock.getLiveKeyCount()).isZero();
    }

    @Test
    void writersAndReadersOfThreeInstancesNeverOverlap() throws Exception {
        AtomicInteger writers = new AtomicInteger();
        AtomicInteger readers = new AtomicInteger();
        AtomicInteger violations = new AtomicInteger();
        AtomicInteger writes = new AtomicInteger();
        ExecutorService callers = Executors.newFixedThreadPool(12);
        try {
            List<CompletableFuture<Void>> all = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                ClusterRWLock lock = new ClusterRWLock("mixed", countingEngine("mixed-" + i), 4);
                for (int t = 0; t < 4; t++) {
                    boolean writer = t == 0;
                    all.add(CompletableFuture.runAsync(() -> {
                        for (int round = 0; round < 40; round++) {
                            try {
                                if (writer) {
                                    try (ClusterWriteGuard guard = lock.writeInterruptibly(null)) {
                                        if (writers.incrementAndGet() > 1 || readers.get() > 0) {
                                            violations.incrementAndGet();
                                        }
                                        writes.incrementAndGet();
                                        writers.decrementAndGet();
                                    }
                                } else {
                                    try (ClusterReadGuard guard = lock.readInterruptibly(null)) {
                                        readers.incrementAndGet();
                                        if (writers.get() > 0) {
                                            violations.incrementAndGet();
                                        }
                                        readers.decrementAndGet();
                                    }
                                }
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
        assertThat(violations).hasValue(0);
        assertThat(writes).hasValue(3 * 40);
    }

    /** Overlapping local readers: bounded joins let the remote shared hold go, so the writer gets in. */
    @Test
    void aStreamOfReadersDoesNotStarveAnotherInstancesWriter() throws Exception {
        ClusterRWLock readerSide = new ClusterRWLock("stream", countingEngine("stream-readers"), 4);
        ClusterRWLock writerSide = new ClusterRWLock("stream", countingEngine("stream-writer"), 4);
        notStarvedBy(() -> readerSide.readInterruptibly(null), () -> writerSide.writeInterruptibly(null));
    }

    @Test
    void aDowngradeKeepsOtherWritersOutAndLetsLocalReadersIn() throws Exception {
        ClusterRWLock local = new ClusterRWLock("downgrade", countingEngine("downgrading"), 8);
        ClusterRWLock other = new ClusterRWLock("downgrade", countingEngine("other-writer"), 8);
        ClusterWriteGuard write = local.writeInterruptibly(null);
        CompletableFuture<ClusterReadGuard> localReader = local.readAsync(null, null);
        CompletableFuture<ClusterWriteGuard> otherWriter = other.writeAsync(null, null);
        await().until(() -> server.waitingAdvisoryLocks() == 1);
        assertThat(localReader).isNotDone();
        ClusterReadGuard read = write.downgrade();
        ClusterReadGuard second = localReader.get(10, TimeUnit.SECONDS); // let in beside the downgraded holder
        assertThat(otherWriter).as("no writer of another instance slips in").isNotDone();
        assertThat(read.isValid()).isTrue();
        read.close();
        assertThat(otherWriter).isNotDone();
        second.close();
        otherWriter.get(10, TimeUnit.SECONDS).close();
        assertThat(local.getLiveKeyCount()).isZero();
    }

    @Test
    void readersThatGiveUpLeaveNothingBehind() throws Exception {
        ClusterRWLock writerSide = new ClusterRWLock("patience", countingEngine("patient-writer"), 8);
        ClusterRWLock readerSide = new ClusterRWLock("patience", countingEngine("impatient-readers"), 8);
        ClusterWriteGuard held = writerSide.writeInterruptibly(9L);
        giveUpInRounds(50, timeout -> readerSide.readAsync(9L, timeout), timeout -> readerSide.tryRead(9L, timeout));
        await().atMost(Duration.ofSeconds(10)).until(() -> readerSide.getLiveKeyCount() == 0);
        held.close();
        await().atMost(Duration.ofSeconds(10)).until(() -> server.advisoryLocks() == 0);
        try (ClusterReadGuard now = readerSide.tryRead(9L, Duration.ofSeconds(5)).orElseThrow()) {
            assertThat(now.isValid()).isTrue();
        }
    }
}
