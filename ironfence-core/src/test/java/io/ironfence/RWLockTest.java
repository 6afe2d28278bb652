package io.ironfence;

import io.ironfence.spi.LockListener;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static io.ironfence.TestSupport.awaitQueueLength;
import static io.ironfence.TestSupport.awaitOrFail;
import static io.ironfence.TestSupport.interruptWhileWaiting;
import static io.ironfence.TestSupport.startThread;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class RWLockTest {

    @Test
    void readersShareAndWritersExclude() {
        RWLock<List<String>> rw = new RWLock<>(new ArrayList<>());
        ReadGuard<List<String>> r1 = rw.read();
        ReadGuard<List<String>> r2 = rw.tryRead().orElseThrow();
        assertThat(rw.getReadLockCount()).isEqualTo(2);
        assertThat(rw.getHolderCount()).isEqualTo(2);
        assertThat(rw.isLocked()).isTrue();
        assertThat(rw.isWriteLocked()).isFalse();
        assertThat(rw.tryWrite()).isEmpty();
        r1.close();
        assertThat(rw.tryWrite()).isEmpty();
        r2.close();
        try (WriteGuard<List<String>> w = rw.tryWrite().orElseThrow()) {
            assertThat(rw.isWriteLocked()).isTrue();
            assertThat(rw.getHolderCount()).isEqualTo(1);
            assertThat(rw.tryRead()).isEmpty();
            w.get().add("x");
            w.set(new ArrayList<>(w.get()));
        }
        assertThat(rw.isLocked()).isFalse();
        try (ReadGuard<List<String>> r = rw.read()) {
            assertThat(r.get()).containsExactly("x");
        }
    }

    @Test
    void readGuardRulesMatchTheOtherGuards() {
        RWLock<String> rw = RWLock.named("config", "s3cr3t");
        ReadGuard<String> r = rw.read();
        assertThat(r.toString()).contains("config").doesNotContain("s3cr3t");
        assertThat(rw.toString()).contains("read by 1").doesNotContain("s3cr3t");
        r.close();
        r.close();
        assertThat(rw.getReadLockCount()).isZero();
        assertThatThrownBy(r::get).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void aStaleReadGuardNeverReleasesAnotherReadersHold() throws Exception {
        RWLock<Integer> rw = new RWLock<>(0);
        ReadGuard<Integer> r = rw.read();
        ReadGuard<Integer> other = rw.read();
        startThread(r::close).join();
        startThread(r::close).join(); // after the first close, through join's happens-before edge
        r.close();
        assertThat(rw.getReadLockCount()).isEqualTo(1);
        other.close();
        assertThat(rw.isLocked()).isFalse();
    }

    /**
     * Racing closes of one unobserved read guard are a documented misuse (see {@link Guard}); an
     * observed guard is closed atomically, because its release must be reported once.
     */
    @Test
    void racingClosesOfAnObservedReadGuardReleaseOnce() throws Exception {
        RWLock<Integer> rw = new RWLock<>(0);
        rw.addListener(new LockListener() { });
        for (int i = 0; i < 2_000; i++) {
            ReadGuard<Integer> r = rw.read();
            ReadGuard<Integer> other = rw.read();
            CountDownLatch go = new CountDownLatch(1);
            Runnable closeIt = () -> {
                awaitOrFail(go);
                r.close();
            };
            Thread a = startThread(closeIt);
            Thread b = startThread(closeIt);
            go.countDown();
            a.join();
            b.join();
            assertThat(rw.getReadLockCount()).isEqualTo(1);
            other.close();
            assertThat(rw.isLocked()).isFalse();
        }
    }

    /**
     * The last reader leaves while the reader queued in front of a writer withdraws, which makes
     * the writer first. Whichever of the two publishes last, the writer must be let in: a release
     * that trusted WRITER_WAITING while the withdrawal still held the queue lock lost this wake-up.
     * The closing thread waits for the reader to leave the queue, which lands its release inside
     * the withdrawal's window.
     */
    @Test
    void aWriterIsLetInWhenTheLastReaderLeavesAsTheReaderInFrontOfItWithdraws() throws Exception {
        RWLock<Integer> rw = new RWLock<>(0);
        for (int i = 0; i < 1_000; i++) {
            WriteGuard<Integer> first = rw.write();
            Thread reader = startThread(() -> {
                try (ReadGuard<Integer> r = rw.readInterruptibly()) {
                    assertThat(r.get()).isZero(); // took its share before the interrupt: fine too
                } catch (InterruptedException e) {
                    // withdrawn
                }
            });
            awaitQueueLength(rw, 1);
            CountDownLatch writerDone = new CountDownLatch(1);
            startThread(() -> {
                rw.write().close();
                writerDone.countDown();
            });
            awaitQueueLength(rw, 2);
            ReadGuard<Integer> last = first.downgrade(); // signals the reader, which the writer queues behind
            Thread closer = startThread(() -> {
                while (rw.getQueueLength() == 2) {
                    Thread.onSpinWait();
                }
                last.close();
            });
            reader.interrupt();
            reader.join();
            closer.join();
            assertThat(writerDone.await(10, TimeUnit.SECONDS)).as("writer let in, iteration " + i).isTrue();
            assertThat(rw.isLocked()).isFalse();
        }
    }

    @Test
    void aQueuedWriterStopsNewReadersAndThenAllQueuedReadersEnterTogether() throws Exception {
        RWLock<Integer> rw = new RWLock<>(0);
        ReadGuard<Integer> firstReader = rw.read();
        CompletableFuture<WriteGuard<Integer>> writer = rw.writeAsync();
        assertThat(rw.getQueueLength()).isEqualTo(1);
        assertThat(rw.tryRead()).as("a reader must not pass a waiting writer").isEmpty();
        CompletableFuture<ReadGuard<Integer>> r1 = rw.readAsync();
        CompletableFuture<ReadGuard<Integer>> r2 = rw.readAsync();
        assertThat(rw.getQueueLength()).isEqualTo(3);
        assertThat(r1).isNotDone();

        firstReader.close();
        assertThat(writer).isCompleted();
        assertThat(r1).isNotDone();
        writer.get().close();
        assertThat(r1).isCompleted();
        assertThat(r2).isCompleted();
        assertThat(rw.getReadLockCount()).isEqualTo(2);
        r1.get().close();
        r2.get().close();
        assertThat(rw.isLocked()).isFalse();
        assertThat(rw.getQueueLength()).isZero();
    }

    @Test
    void parkedReadersReleasedByAWriterAllGetInTogether() throws Exception {
        RWLock<Integer> rw = new RWLock<>(0);
        WriteGuard<Integer> held = rw.write();
        int readers = 5;
        java.util.concurrent.CyclicBarrier allInside = new java.util.concurrent.CyclicBarrier(readers);
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < readers; i++) {
            threads.add(startThread(() -> {
                try (ReadGuard<Integer> r = rw.read()) {
                    allInside.await(10, TimeUnit.SECONDS); // every reader holds at once, or this breaks
                } catch (Exception e) {
                    throw new AssertionError(e);
                }
            }));
            awaitQueueLength(rw, i + 1);
        }
        held.close(); // the first parked reader is woken and wakes the next as it gets in
        for (Thread t : threads) {
            t.join();
        }
        assertThat(allInside.isBroken()).isFalse();
        assertThat(rw.isLocked()).isFalse();
        assertThat(rw.getQueueLength()).isZero();
    }

    @Test
    void blockingReadersAndWritersQueueInArrivalOrder() throws Exception {
        RWLock<List<String>> rw = new RWLock<>(new ArrayList<>());
        WriteGuard<List<String>> held = rw.write();
        List<Thread> threads = new ArrayList<>();
        String[] order = {"r0", "w1", "r2", "r3", "w4"};
        for (int i = 0; i < order.length; i++) {
            String id = order[i];
            threads.add(startThread(() -> {
                if (id.startsWith("r")) {
                    try (ReadGuard<List<String>> g = rw.read()) {
                        synchronizedAdd(g.get(), id);
                    }
                } else {
                    try (WriteGuard<List<String>> g = rw.write()) {
                        g.get().add(id);
                    }
                }
            }));
            awaitQueueLength(rw, i + 1);
        }
        held.close();
        for (Thread t : threads) {
            t.join();
        }
        try (ReadGuard<List<String>> g = rw.read()) {
            List<String> seen = g.get();
            assertThat(seen.get(0)).isEqualTo("r0");
            assertThat(seen.get(1)).isEqualTo("w1");
            assertThat(seen.subList(2, 4)).containsExactlyInAnyOrder("r2", "r3");
            assertThat(seen.get(4)).isEqualTo("w4");
        }
    }

    private static void synchronizedAdd(List<String> list, String id) {
        // Readers share the lock, so the test's own list needs its own exclusion.
        synchronized (list) {
            list.add(id);
        }
    }

    @Test
    void downgradeIsAtomicAndLetsQueuedReadersIn() throws Exception {
        RWLock<Integer> rw = new RWLock<>(0);
        WriteGuard<Integer> w = rw.write();
        w.set(42);
        CompletableFuture<ReadGuard<Integer>> reader = rw.readAsync();
        CompletableFuture<WriteGuard<Integer>> writer = rw.writeAsync();
        ReadGuard<Integer> downgraded = w.downgrade();
        assertThat(downgraded.get()).isEqualTo(42);
        assertThat(rw.isWriteLocked()).isFalse();
        assertThat(reader).as("the reader queued ahead of the writer joins the downgraded hold").isCompleted();
        assertThat(writer).as("no writer slips in while the downgraded read hold is held").isNotDone();
        assertThat(rw.getReadLockCount()).isEqualTo(2);
        assertThatThrownBy(w::get).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(w::downgrade).isInstanceOf(IllegalStateException.class);
        w.close();
        assertThat(rw.getReadLockCount()).as("closing the downgraded write guard does nothing").isEqualTo(2);
        downgraded.close();
        reader.get().close();
        assertThat(writer).isCompleted();
        writer.get().close();
        assertThat(rw.isLocked()).isFalse();
    }

    @Test
    void downgradeWithoutWaiters() {
        RWLock<Integer> rw = new RWLock<>(7);
        try (ReadGuard<Integer> r = rw.write().downgrade()) {
            assertThat(r.get()).isEqualTo(7);
            assertThat(rw.getReadLockCount()).isEqualTo(1);
            assertThat(rw.tryRead()).hasValueSatisfying(ReadGuard::close);
            assertThat(rw.tryWrite()).isEmpty();
        }
        assertThat(rw.isLocked()).isFalse();
    }

    @Test
    void waitingWhileHoldingTheWriteLockFailsFast() throws Exception {
        RWLock<Integer> rw = RWLock.named("catalogue", 0);
        try (WriteGuard<Integer> w = rw.write()) {
            assertThat(rw.isWriteLockedByCurrentThread()).isTrue();
            assertThatThrownBy(rw::read).isInstanceOf(IllegalStateException.class).hasMessageContaining("catalogue");
            assertThatThrownBy(rw::write).isInstanceOf(IllegalStateException.class);
            assertThatThrownBy(rw::readInterruptibly).isInstanceOf(IllegalStateException.class);
            assertThatThrownBy(rw::writeInterruptibly).isInstanceOf(IllegalStateException.class);
            assertThatThrownBy(() -> rw.tryRead(Duration.ofSeconds(1))).isInstanceOf(IllegalStateException.class);
            assertThatThrownBy(() -> rw.tryWrite(Duration.ofSeconds(1))).isInstanceOf(IllegalStateException.class);
            assertThat(rw.tryRead()).isEmpty();
        }
        // A downgraded hold is a read hold, which has no owner: reading again is fine.
        try (ReadGuard<Integer> r = rw.write().downgrade(); ReadGuard<Integer> again = rw.read()) {
            assertThat(rw.isWriteLockedByCurrentThread()).isFalse();
            assertThat(rw.getReadLockCount()).isEqualTo(2);
        }
    }

    @Test
    void timedAndInterruptibleVariantsTimeOutAndInterrupt() throws Exception {
        RWLock<Integer> rw = new RWLock<>(0);
        WriteGuard<Integer> held = rw.write();
        CompletableFuture<Object> timedRead = new CompletableFuture<>();
        CompletableFuture<Object> timedWrite = new CompletableFuture<>();
        startThread(() -> {
            try {
                timedRead.complete(rw.tryRead(Duration.ofMillis(20)));
                timedWrite.complete(rw.tryWrite(Duration.ofMillis(20)));
            } catch (Throwable t) {
                timedRead.completeExceptionally(t);
            }
        });
        assertThat(timedRead.get()).isEqualTo(java.util.Optional.empty());
        assertThat(timedWrite.get()).isEqualTo(java.util.Optional.empty());

        assertThat(interruptWhileWaiting(rw, rw::readInterruptibly)).isInstanceOf(InterruptedException.class);
        assertThat(interruptWhileWaiting(rw, rw::writeInterruptibly)).isInstanceOf(InterruptedException.class);
        assertThat(rw.getQueueLength()).isZero();
        held.close();
        assertThat(rw.isLocked()).isFalse();
        try (ReadGuard<Integer> r = rw.tryRead(Duration.ofSeconds(1)).orElseThrow();
             ReadGuard<Integer> r2 = rw.readInterruptibly()) {
            assertThat(rw.getReadLockCount()).isEqualTo(2);
        }
        try (WriteGuard<Integer> w = rw.writeInterruptibly()) {
            assertThat(rw.isWriteLocked()).isTrue();
        }
    }

    @Test
    void aWithdrawnWriterLetsTheReadersBehindItIn() throws Exception {
        RWLock<Integer> rw = new RWLock<>(0);
        ReadGuard<Integer> reading = rw.read();
        CompletableFuture<WriteGuard<Integer>> writer = rw.writeAsync();
        CompletableFuture<ReadGuard<Integer>> reader = rw.readAsync();
        assertThat(reader).isNotDone();
        writer.cancel(false);
        assertThat(reader).as("nothing stands between the reader and the current readers now").isCompleted();
        reader.get().close();
        reading.close();
        assertThat(rw.isLocked()).isFalse();
        assertThat(rw.getQueueLength()).isZero();
    }
}
