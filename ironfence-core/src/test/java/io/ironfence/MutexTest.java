package io.ironfence;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static io.ironfence.TestSupport.awaitQueueLength;
import static io.ironfence.TestSupport.awaitOrFail;
import static io.ironfence.TestSupport.interruptWhileWaiting;
import static io.ironfence.TestSupport.startThread;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class MutexTest {

    @Test
    void guardGivesAccessToTheValueAndReleasesOnClose() {
        Mutex<Map<String, String>> mu = new Mutex<>(new HashMap<>());
        try (MutexGuard<Map<String, String>> g = mu.lock()) {
            assertThat(mu.isLocked()).isTrue();
            assertThat(mu.getHolderCount()).isEqualTo(1);
            g.get().put("key", "example");
        }
        assertThat(mu.isLocked()).isFalse();
        assertThat(mu.getHolderCount()).isZero();
        try (MutexGuard<Map<String, String>> g = mu.lock()) {
            assertThat(g.get()).containsEntry("key", "example");
        }
    }

    @Test
    void nullValuesAreAllowedAndCanBeReplaced() {
        Mutex<String> mu = new Mutex<>(null);
        try (MutexGuard<String> g = mu.lock()) {
            assertThat(g.get()).isNull();
            g.set("now set");
        }
        try (MutexGuard<String> g = mu.lock()) {
            assertThat(g.get()).isEqualTo("now set");
            g.set(null);
        }
        try (MutexGuard<String> g = mu.lock()) {
            assertThat(g.get()).isNull();
        }
    }

    @Test
    void secondCloseDoesNothingEvenAfterAnotherHolderTookTheLock() {
        Mutex<Integer> mu = new Mutex<>(0);
        MutexGuard<Integer> first = mu.lock();
        first.close();
        MutexGuard<Integer> second = mu.lock();
        first.close();
        assertThat(mu.isLocked()).as("a stale guard must not release another holder's lock").isTrue();
        second.close();
        second.close();
        assertThat(mu.isLocked()).isFalse();
    }

    @Test
    void useAfterCloseThrows() {
        Mutex<Integer> mu = new Mutex<>(1);
        MutexGuard<Integer> g = mu.lock();
        g.close();
        assertThatThrownBy(g::get).isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
        assertThatThrownBy(() -> g.set(2)).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void toStringNeverShowsTheValue() {
        Mutex<String> mu = Mutex.named("secrets", "hunter2");
        try (MutexGuard<String> g = mu.lock()) {
            assertThat(mu.toString()).contains("secrets").contains("locked").doesNotContain("hunter2");
            assertThat(g.toString()).contains("secrets").contains("held").doesNotContain("hunter2");
            assertThat(mu.lockAsync().toString()).doesNotContain("hunter2");
            assertThat(mu.getQueueLength()).isEqualTo(1);
            assertThat(mu.toString()).contains("1 waiting");
        }
        assertThat(new Mutex<>("hunter2").toString()).startsWith("Mutex[mutex@").doesNotContain("hunter2");
    }

    @Test
    void namedRejectsNullName() {
        assertThatThrownBy(() -> Mutex.named(null, 1)).isInstanceOf(NullPointerException.class);
    }

    @Test
    void tryLockNeverWaits() {
        Mutex<Integer> mu = new Mutex<>(0);
        Optional<MutexGuard<Integer>> first = mu.tryLock();
        assertThat(first).isPresent();
        assertThat(mu.tryLock()).as("held by this thread: a try does not wait, so it is no deadlock").isEmpty();
        first.get().close();
        assertThat(mu.tryLock()).hasValueSatisfying(MutexGuard::close);
    }

    @Test
    void timedTryLockTimesOutAndLeavesTheQueue() throws Exception {
        Mutex<Integer> mu = new Mutex<>(0);
        MutexGuard<Integer> held = mu.lock();
        CompletableFuture<Optional<MutexGuard<Integer>>> attempt = new CompletableFuture<>();
        startThread(() -> {
            try {
                attempt.complete(mu.tryLock(Duration.ofMillis(50)));
            } catch (Throwable t) {
                attempt.completeExceptionally(t);
            }
        });
        assertThat(attempt.get()).isEmpty();
        assertThat(mu.getQueueLength()).isZero();
        held.close();
        assertThat(mu.isLocked()).isFalse();
    }

    @Test
    void timedTryLockSucceedsWhenReleasedInTime() throws Exception {
        Mutex<Integer> mu = new Mutex<>(0);
        MutexGuard<Integer> held = mu.lock();
        CompletableFuture<Optional<MutexGuard<Integer>>> attempt = new CompletableFuture<>();
        startThread(() -> {
            try {
                attempt.complete(mu.tryLock(Duration.ofSeconds(20)));
            } catch (Throwable t) {
                attempt.completeExceptionally(t);
            }
        });
        awaitQueueLength(mu, 1);
        held.close();
        MutexGuard<Integer> g = attempt.get().orElseThrow();
        assertThat(mu.isLocked()).isTrue();
        g.close();
        assertThat(mu.isLocked()).isFalse();
    }

    @Test
    void zeroOrNegativeTimeoutsDoNotWaitAndHugeOnesDoNotOverflow() throws Exception {
        Mutex<Integer> mu = new Mutex<>(0);
        try (MutexGuard<Integer> g = mu.tryLock(Duration.ofDays(365_000_000)).orElseThrow()) {
            startThread(() -> {
                try {
                    assertThat(mu.tryLock(Duration.ZERO)).isEmpty();
                    assertThat(mu.tryLock(Duration.ofSeconds(-5))).isEmpty();
                } catch (InterruptedException e) {
                    throw new AssertionError(e);
                }
            }).join();
        }
        assertThatThrownBy(() -> mu.tryLock(null)).isInstanceOf(NullPointerException.class)
                .hasMessageContaining("timeout");
    }

    @Test
    void lockIsNotInterruptibleButKeepsTheInterrupt() throws Exception {
        Mutex<Integer> mu = new Mutex<>(0);
        MutexGuard<Integer> held = mu.lock();
        CompletableFuture<Boolean> interruptedOnReturn = new CompletableFuture<>();
        Thread waiter = startThread(() -> {
            try (MutexGuard<Integer> g = mu.lock()) {
                interruptedOnReturn.complete(Thread.currentThread().isInterrupted());
            }
        });
        awaitQueueLength(mu, 1);
        waiter.interrupt();
        // Still waiting: the interrupt does not end an uninterruptible wait.
        assertThat(mu.getQueueLength()).isEqualTo(1);
        held.close();
        assertThat(interruptedOnReturn.get()).isTrue();
        waiter.join();
        assertThat(mu.isLocked()).isFalse();
    }

    @Test
    void lockInterruptiblyThrowsAndLeavesTheQueue() throws Exception {
        Mutex<Integer> mu = new Mutex<>(0);
        MutexGuard<Integer> held = mu.lock();
        assertThat(interruptWhileWaiting(mu, mu::lockInterruptibly)).isInstanceOf(InterruptedException.class);
        assertThat(mu.getQueueLength()).isZero();
        held.close();
        assertThat(mu.isLocked()).isFalse();
    }

    @Test
    void alreadyInterruptedThreadsFailFastOnInterruptibleCalls() {
        Mutex<Integer> mu = new Mutex<>(0);
        Thread.currentThread().interrupt();
        assertThatThrownBy(mu::lockInterruptibly).isInstanceOf(InterruptedException.class);
        Thread.currentThread().interrupt();
        assertThatThrownBy(() -> mu.tryLock(Duration.ofSeconds(1))).isInstanceOf(InterruptedException.class);
        assertThat(mu.isLocked()).isFalse();
        assertThat(Thread.interrupted()).isFalse();
    }

    @Test
    void waitingForALockTheThreadAlreadyHoldsFailsFast() {
        Mutex<Integer> mu = Mutex.named("inventory", 0);
        assertThat(mu.isHeldByCurrentThread()).isFalse();
        try (MutexGuard<Integer> g = mu.lock()) {
            assertThat(mu.isHeldByCurrentThread()).isTrue();
            assertThatThrownBy(mu::lock).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("inventory").hasMessageContaining("current thread");
            assertThatThrownBy(mu::lockInterruptibly).isInstanceOf(IllegalStateException.class);
            assertThatThrownBy(() -> mu.tryLock(Duration.ofSeconds(1))).isInstanceOf(IllegalStateException.class);
            assertThat(mu.getQueueLength()).isZero();
        }
        assertThat(mu.isLocked()).isFalse();
    }

    @Test
    void aBlockingHoldHandedToAnotherThreadStillCountsAsItsAcquirers() throws Exception {
        Mutex<Integer> mu = new Mutex<>(0);
        MutexGuard<Integer> g = mu.lock();
        // The guard may be used and closed elsewhere, but the acquirer is still its owner until then.
        CompletableFuture<Boolean> heldThere = CompletableFuture.supplyAsync(mu::isHeldByCurrentThread);
        assertThat(heldThere.get()).isFalse();
        assertThat(mu.isHeldByCurrentThread()).isTrue();
        startThread(() -> assertThat(g.get()).isZero()).join();
        assertThatThrownBy(mu::lock).isInstanceOf(IllegalStateException.class);
        startThread(g::close).join();
        try (MutexGuard<Integer> again = mu.lock()) {
            assertThat(again.get()).isZero();
        }
    }

    @Test
    void asyncHoldsHaveNoOwnerThread() throws Exception {
        Mutex<Integer> mu = new Mutex<>(0);
        MutexGuard<Integer> asyncHold = mu.lockAsync().get();
        assertThat(mu.isHeldByCurrentThread()).isFalse();
        CompletableFuture<MutexGuard<Integer>> blocked = CompletableFuture.supplyAsync(mu::lock);
        awaitQueueLength(mu, 1);
        asyncHold.close();
        blocked.get().close();
        assertThat(mu.isLocked()).isFalse();
    }

    @Test
    void lockAsyncOnAFreeLockIsAlreadyComplete() throws Exception {
        Mutex<String> mu = new Mutex<>("v");
        CompletableFuture<MutexGuard<String>> f = mu.lockAsync();
        assertThat(f).isCompleted();
        try (MutexGuard<String> g = f.get()) {
            assertThat(g.get()).isEqualTo("v");
        }
        assertThat(mu.isLocked()).isFalse();
    }

    @Test
    void waitersAreServedInArrivalOrder() throws Exception {
        Mutex<List<Integer>> mu = new Mutex<>(new ArrayList<>());
        MutexGuard<List<Integer>> held = mu.lock();
        List<Thread> threads = new ArrayList<>();
        List<CompletableFuture<Void>> asyncs = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            int id = i;
            if (i % 2 == 0) {
                threads.add(startThread(() -> {
                    try (MutexGuard<List<Integer>> g = mu.lock()) {
                        g.get().add(id);
                    }
                }));
            } else {
                asyncs.add(mu.lockAsync().thenAccept(g -> {
                    try (g) {
                        g.get().add(id);
                    }
                }));
            }
            awaitQueueLength(mu, i + 1);
        }
        held.close();
        for (Thread t : threads) {
            t.join();
        }
        CompletableFuture.allOf(asyncs.toArray(new CompletableFuture<?>[0])).get();
        try (MutexGuard<List<Integer>> g = mu.lock()) {
            assertThat(g.get()).containsExactly(0, 1, 2, 3, 4, 5);
        }
    }

    @Test
    void guardsMayBeClosedOnAnyThread() throws Exception {
        Mutex<Integer> mu = new Mutex<>(0);
        MutexGuard<Integer> g = mu.lockAsync().get();
        CountDownLatch closed = new CountDownLatch(1);
        startThread(() -> {
            g.close();
            closed.countDown();
        });
        closed.await();
        assertThat(mu.isLocked()).isFalse();
    }

    @Test
    void racingClosesReleaseOnce() throws Exception {
        Mutex<Integer> mu = new Mutex<>(0);
        for (int i = 0; i < 2_000; i++) {
            MutexGuard<Integer> g = mu.lock();
            CountDownLatch go = new CountDownLatch(1);
            AtomicReference<MutexGuard<Integer>> next = new AtomicReference<>();
            Thread a = startThread(() -> {
                awaitOrFail(go);
                g.close();
            });
            Thread b = startThread(() -> {
                awaitOrFail(go);
                g.close();
                next.set(mu.lock()); // takes the lock once one of the closes released it
            });
            go.countDown();
            a.join();
            b.join();
            assertThat(mu.isLocked()).as("the new holder's lock must survive the racing close").isTrue();
            next.get().close();
            assertThat(mu.isLocked()).isFalse();
        }
    }
}
