package io.ironfence;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static io.ironfence.TestSupport.startThread;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class AsyncAcquisitionTest {

    @Test
    void cancellingAQueuedRequestWithdrawsItAndTheLockPassesOn() throws Exception {
        Mutex<Integer> mu = new Mutex<>(0);
        MutexGuard<Integer> held = mu.lock();
        CompletableFuture<MutexGuard<Integer>> cancelled = mu.lockAsync();
        CompletableFuture<MutexGuard<Integer>> next = mu.lockAsync();
        assertThat(mu.getQueueLength()).isEqualTo(2);
        assertThat(cancelled.cancel(true)).isTrue();
        assertThat(mu.getQueueLength()).isEqualTo(1);
        held.close();
        assertThat(next).isCompleted();
        next.get().close();
        assertThat(mu.isLocked()).isFalse();
    }

    @Test
    void aCancelledRequestHasLeftTheQueueBeforeItsDependentsRun() throws Exception {
        Mutex<Integer> mu = new Mutex<>(0);
        MutexGuard<Integer> held = mu.lock();
        CompletableFuture<MutexGuard<Integer>> request = mu.lockAsync();
        CompletableFuture<Integer> queueSeenByDependent = request.handle((g, e) -> mu.getQueueLength());
        request.cancel(false);
        assertThat(queueSeenByDependent.get()).isZero();
        held.close();
        assertThat(mu.isLocked()).isFalse();
    }

    /**
     * A request can miss the fast path yet be granted under the queue lock without ever queueing;
     * cancelling its (already completed) future afterwards must find it granted and leave the queue
     * alone. Once, it unlinked a waiter that was never linked and lost the real queue.
     */
    @Test
    void cancellingFuturesGrantedWithoutQueueingNeverCorruptsTheQueue() throws Exception {
        for (int round = 0; round < 10; round++) {
            Mutex<long[]> mu = new Mutex<>(new long[1]);
            java.util.concurrent.atomic.AtomicLong holds = new java.util.concurrent.atomic.AtomicLong();
            List<Thread> threads = new ArrayList<>();
            for (int t = 0; t < 6; t++) {
                threads.add(startThread(() -> {
                    java.util.concurrent.ThreadLocalRandom random = java.util.concurrent.ThreadLocalRandom.current();
                    for (int i = 0; i < 20_000; i++) {
                        int kind = random.nextInt(3);
                        CompletableFuture<MutexGuard<long[]>> f =
                                kind == 0 ? CompletableFuture.completedFuture(mu.lock()) : mu.lockAsync();
                        if (kind == 2 && f.cancel(false)) {
                            continue;
                        }
                        try (MutexGuard<long[]> g = f.join()) {
                            g.get()[0]++;
                            holds.incrementAndGet();
                        }
                    }
                }));
            }
            for (Thread t : threads) {
                t.join(); // a corrupted queue strands a waiter here, and the @Timeout fails the test
            }
            try (MutexGuard<long[]> g = mu.lock()) {
                assertThat(g.get()[0]).isEqualTo(holds.get());
            }
            assertThat(mu.getQueueLength()).isZero();
        }
    }

    /** IBM async-util leaked its lock forever once a queued waiter was cancelled. */
    @Test
    void cancellingTheOnlyWaiterDoesNotLeakTheLock() {
        Mutex<Integer> mu = new Mutex<>(0);
        MutexGuard<Integer> held = mu.lock();
        mu.lockAsync().cancel(false);
        held.close();
        assertThat(mu.isLocked()).isFalse();
        assertThat(mu.tryLock()).hasValueSatisfying(MutexGuard::close);
    }

    /** IBM async-util handed callers its internal future: a caller's complete() corrupted the queue. */
    @Test
    void aCallerCompletingTheFutureCannotCorruptTheLock() throws Exception {
        Mutex<Integer> mu = new Mutex<>(0);
        MutexGuard<Integer> held = mu.lock();
        CompletableFuture<MutexGuard<Integer>> hijacked = mu.lockAsync();
        CompletableFuture<MutexGuard<Integer>> failed = mu.lockAsync();
        CompletableFuture<MutexGuard<Integer>> honest = mu.lockAsync();
        assertThat(hijacked.complete(null)).isTrue();
        assertThat(failed.completeExceptionally(new IllegalStateException("caller gave up"))).isTrue();
        assertThat(mu.getQueueLength()).isEqualTo(1);
        held.close();
        assertThat(honest).isCompleted();
        assertThat(hijacked.get()).isNull();
        honest.get().close();
        assertThat(mu.isLocked()).isFalse();
    }

    @Test
    void completeAsyncAndOrTimeoutWithdrawToo() throws Exception {
        Mutex<Integer> mu = new Mutex<>(0);
        MutexGuard<Integer> held = mu.lock();
        ExecutorService executor = Executors.newSingleThreadExecutor();
        try {
            CompletableFuture<MutexGuard<Integer>> viaCompleteAsync = mu.lockAsync();
            viaCompleteAsync.completeAsync(() -> null, executor);
            CompletableFuture<MutexGuard<Integer>> viaTimeout = mu.lockAsync().orTimeout(1, TimeUnit.MILLISECONDS);
            assertThatThrownBy(viaTimeout::get).hasCauseInstanceOf(TimeoutException.class);
            assertThat(viaCompleteAsync.get()).isNull();
            await().until(() -> mu.getQueueLength() == 0);
        } finally {
            executor.shutdownNow();
        }
        held.close();
        assertThat(mu.isLocked()).isFalse();
    }

    @Test
    void obtrudingBeforeTheGrantWithdrawsAndAfterItIsRefused() throws Exception {
        Mutex<Integer> mu = new Mutex<>(0);
        MutexGuard<Integer> held = mu.lock();
        CompletableFuture<MutexGuard<Integer>> waiting = mu.lockAsync();
        waiting.obtrudeException(new IllegalStateException("replaced"));
        assertThat(mu.getQueueLength()).isZero();
        held.close();
        assertThat(mu.isLocked()).isFalse();

        CompletableFuture<MutexGuard<Integer>> granted = mu.lockAsync();
        assertThat(granted).isCompleted();
        assertThatThrownBy(() -> granted.obtrudeValue(null)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("Close the guard");
        assertThatThrownBy(() -> granted.obtrudeException(new RuntimeException())).isInstanceOf(IllegalStateException.class);
        granted.get().close();
        assertThat(mu.isLocked()).isFalse();
    }

    @Test
    void theReleasingThreadRunsTheContinuationOfTheNextAsyncWaiter() throws Exception {
        Mutex<Integer> mu = new Mutex<>(0);
        MutexGuard<Integer> held = mu.lockAsync().get();
        AtomicReference<Thread> ranOn = new AtomicReference<>();
        CompletableFuture<Void> done = mu.lockAsync().thenAccept(g -> {
            try (g) {
                ranOn.set(Thread.currentThread());
            }
        });
        Thread releaser = startThread(held::close);
        releaser.join();
        done.get();
        assertThat(ranOn.get()).isSameAs(releaser);

        // On a free lock, the future is complete already and the continuation runs on the caller.
        mu.lockAsync().thenAccept(g -> {
            try (g) {
                ranOn.set(Thread.currentThread());
            }
        });
        assertThat(ranOn.get()).isSameAs(Thread.currentThread());
    }

    /** Kotlin's Mutex once overflowed the stack when wake-ups ran synchronously, one inside the other. */
    @Test
    void aHundredThousandChainedAsyncWaitersDoNotOverflowTheStack() throws Exception {
        Mutex<int[]> mu = new Mutex<>(new int[1]);
        MutexGuard<int[]> held = mu.lock();
        int waiters = 100_000;
        List<CompletableFuture<Void>> all = new ArrayList<>(waiters);
        for (int i = 0; i < waiters; i++) {
            all.add(mu.lockAsync().thenAccept(g -> {
                try (g) {
                    g.get()[0]++;
                }
            }));
        }
        assertThat(mu.getQueueLength()).isEqualTo(waiters);
        held.close(); // the whole chain runs on this thread, inside this close()
        CompletableFuture.allOf(all.toArray(new CompletableFuture<?>[0])).get();
        try (MutexGuard<int[]> g = mu.lock()) {
            assertThat(g.get()[0]).isEqualTo(waiters);
        }
        assertThat(mu.getQueueLength()).isZero();
    }

    @Test
    void aHundredThousandChainedAsyncReadersAndWritersDoNotOverflowTheStack() throws Exception {
        RWLock<int[]> rw = new RWLock<>(new int[1]);
        WriteGuard<int[]> held = rw.write();
        int waiters = 100_000;
        AtomicInteger reads = new AtomicInteger();
        List<CompletableFuture<Void>> all = new ArrayList<>(waiters);
        for (int i = 0; i < waiters; i++) {
            if (i % 2 == 0) {
                all.add(rw.writeAsync().thenAccept(g -> {
                    try (g) {
                        g.get()[0]++;
                    }
                }));
            } else {
                all.add(rw.readAsync().thenAccept(g -> {
                    try (g) {
                        reads.incrementAndGet();
                    }
                }));
            }
        }
        held.close();
        CompletableFuture.allOf(all.toArray(new CompletableFuture<?>[0])).get();
        assertThat(reads.get()).isEqualTo(waiters / 2);
        try (ReadGuard<int[]> g = rw.read()) {
            assertThat(g.get()[0]).isEqualTo(waiters / 2);
        }
    }

    /** Kotlin's Mutex once leaked the lock when a cancel raced the grant. */
    @Test
    void cancelRacingTheGrantNeverLeaksTheLock() throws Exception {
        Mutex<Integer> mu = new Mutex<>(0);
        for (int i = 0; i < 5_000; i++) {
            MutexGuard<Integer> held = mu.lock();
            CompletableFuture<MutexGuard<Integer>> request = mu.lockAsync();
            Thread releaser = startThread(held::close);
            boolean cancelled = request.cancel(false);
            releaser.join();
            if (!cancelled) {
                request.get().close();
            } else {
                assertThatThrownBy(request::join).isInstanceOf(CancellationException.class);
            }
            assertThat(mu.isLocked()).as("iteration %d leaked the lock", i).isFalse();
            assertThat(mu.getQueueLength()).isZero();
        }
    }
}
