package io.ironfence;

import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static io.ironfence.TestSupport.awaitOrFail;
import static io.ironfence.TestSupport.awaitQueueLength;
import static io.ironfence.TestSupport.interruptWhileWaiting;
import static io.ironfence.TestSupport.startThread;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The contract of an exclusive hold, run over every lock that has one: a {@link Mutex} and the
 * write lock of an {@link RWLock} (as Caffeine runs one test body over each cache configuration).
 * Waiting, timeouts, interrupts, ownership, async holds and closing must behave the same in both.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ExclusiveLockContractTest {

    /** An exclusive lock under test, seen through the calls both kinds share. */
    interface Exclusive {
        ObservableLock lock();

        Guard<Integer> acquire();

        Guard<Integer> acquireInterruptibly() throws InterruptedException;

        Optional<? extends Guard<Integer>> tryAcquire();

        Optional<? extends Guard<Integer>> tryAcquire(Duration timeout) throws InterruptedException;

        CompletableFuture<? extends Guard<Integer>> acquireAsync();

        boolean isHeldByCurrentThread();

        void set(Guard<Integer> guard, int value);
    }

    enum Kind {
        MUTEX {
            @Override
            Exclusive create(String name) {
                Mutex<Integer> mu = Mutex.named(name, 0);
                return new Exclusive() {
                    public ObservableLock lock() { return mu; }
                    public Guard<Integer> acquire() { return mu.lock(); }
                    public Guard<Integer> acquireInterruptibly() throws InterruptedException { return mu.lockInterruptibly(); }
                    public Optional<? extends Guard<Integer>> tryAcquire() { return mu.tryLock(); }
                    public Optional<? extends Guard<Integer>> tryAcquire(Duration t) throws InterruptedException { return mu.tryLock(t); }
                    public CompletableFuture<? extends Guard<Integer>> acquireAsync() { return mu.lockAsync(); }
                    public boolean isHeldByCurrentThread() { return mu.isHeldByCurrentThread(); }
                    public void set(Guard<Integer> guard, int value) { ((MutexGuard<Integer>) guard).set(value); }
                };
            }
        },
        RWLOCK_WRITE {
            @Override
            Exclusive create(String name) {
                RWLock<Integer> rw = RWLock.named(name, 0);
                return new Exclusive() {
                    public ObservableLock lock() { return rw; }
                    public Guard<Integer> acquire() { return rw.write(); }
                    public Guard<Integer> acquireInterruptibly() throws InterruptedException { return rw.writeInterruptibly(); }
                    public Optional<? extends Guard<Integer>> tryAcquire() { return rw.tryWrite(); }
                    public Optional<? extends Guard<Integer>> tryAcquire(Duration t) throws InterruptedException { return rw.tryWrite(t); }
                    public CompletableFuture<? extends Guard<Integer>> acquireAsync() { return rw.writeAsync(); }
                    public boolean isHeldByCurrentThread() { return rw.isWriteLockedByCurrentThread(); }
                    public void set(Guard<Integer> guard, int value) { ((WriteGuard<Integer>) guard).set(value); }
                };
            }
        };

        abstract Exclusive create(String name);
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void aSecondCloseDoesNothingEvenAfterAnotherHolderTookTheLock(Kind kind) {
        Exclusive x = kind.create("stale");
        Guard<Integer> first = x.acquire();
        first.close();
        Guard<Integer> second = x.acquire();
        first.close();
        assertThat(x.lock().isLocked()).as("a stale guard must not release another holder's lock").isTrue();
        second.close();
        second.close();
        assertThat(x.lock().isLocked()).isFalse();
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void useAfterCloseThrows(Kind kind) {
        Exclusive x = kind.create("closed");
        Guard<Integer> g = x.acquire();
        x.set(g, 1);
        g.close();
        assertThatThrownBy(g::get).isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
        assertThatThrownBy(() -> x.set(g, 2)).isInstanceOf(IllegalStateException.class);
        try (Guard<Integer> again = x.acquire()) {
            assertThat(again.get()).isOne();
        }
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void aTryNeverWaits(Kind kind) {
        Exclusive x = kind.create("try");
        Optional<? extends Guard<Integer>> first = x.tryAcquire();
        assertThat(first).isPresent();
        assertThat(x.tryAcquire()).as("held by this thread: a try does not wait, so it is no deadlock").isEmpty();
        first.get().close();
        assertThat(x.tryAcquire()).hasValueSatisfying(Guard::close);
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void aTimedTryTimesOutAndLeavesTheQueue(Kind kind) throws Exception {
        Exclusive x = kind.create("timed");
        Guard<Integer> held = x.acquire();
        CompletableFuture<Optional<? extends Guard<Integer>>> attempt = new CompletableFuture<>();
        startThread(() -> {
            try {
                attempt.complete(x.tryAcquire(Duration.ofMillis(50)));
            } catch (Throwable t) {
                attempt.completeExceptionally(t);
            }
        });
        assertThat(attempt.get()).isEmpty();
        assertThat(x.lock().getQueueLength()).isZero();
        held.close();
        assertThat(x.lock().isLocked()).isFalse();
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void aTimedTrySucceedsWhenReleasedInTime(Kind kind) throws Exception {
        Exclusive x = kind.create("in-time");
        Guard<Integer> held = x.acquire();
        CompletableFuture<Optional<? extends Guard<Integer>>> attempt = new CompletableFuture<>();
        startThread(() -> {
            try {
                attempt.complete(x.tryAcquire(Duration.ofSeconds(20)));
            } catch (Throwable t) {
                attempt.completeExceptionally(t);
            }
        });
        awaitQueueLength(x.lock(), 1);
        held.close();
        Guard<Integer> g = attempt.get().orElseThrow();
        assertThat(x.lock().isLocked()).isTrue();
        g.close();
        assertThat(x.lock().isLocked()).isFalse();
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void zeroOrNegativeTimeoutsDoNotWaitAndHugeOnesDoNotOverflow(Kind kind) throws Exception {
        Exclusive x = kind.create("timeouts");
        try (Guard<Integer> g = x.tryAcquire(Duration.ofDays(365_000_000)).orElseThrow()) {
            startThread(() -> {
                try {
                    assertThat(x.tryAcquire(Duration.ZERO)).isEmpty();
                    assertThat(x.tryAcquire(Duration.ofSeconds(-5))).isEmpty();
                } catch (InterruptedException e) {
                    throw new AssertionError(e);
                }
            }).join();
        }
        assertThatThrownBy(() -> x.tryAcquire(null)).isInstanceOf(NullPointerException.class)
                .hasMessageContaining("timeout");
        assertThat(x.lock().isLocked()).isFalse();
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void theUninterruptibleWaitKeepsTheInterrupt(Kind kind) throws Exception {
        Exclusive x = kind.create("uninterruptible");
        Guard<Integer> held = x.acquire();
        CompletableFuture<Boolean> interruptedOnReturn = new CompletableFuture<>();
        Thread waiter = startThread(() -> {
            try (Guard<Integer> g = x.acquire()) {
                interruptedOnReturn.complete(Thread.currentThread().isInterrupted());
            }
        });
        awaitQueueLength(x.lock(), 1);
        waiter.interrupt();
        // Still waiting: the interrupt does not end an uninterruptible wait.
        assertThat(x.lock().getQueueLength()).isEqualTo(1);
        held.close();
        assertThat(interruptedOnReturn.get()).isTrue();
        waiter.join();
        assertThat(x.lock().isLocked()).isFalse();
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void anInterruptibleWaitThrowsAndLeavesTheQueue(Kind kind) throws Exception {
        Exclusive x = kind.create("interruptible");
        Guard<Integer> held = x.acquire();
        assertThat(interruptWhileWaiting(x.lock(), x::acquireInterruptibly)).isInstanceOf(InterruptedException.class);
        assertThat(x.lock().getQueueLength()).isZero();
        held.close();
        assertThat(x.lock().isLocked()).isFalse();
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void anAlreadyInterruptedThreadFailsFastOnInterruptibleCalls(Kind kind) {
        Exclusive x = kind.create("interrupted");
        Thread.currentThread().interrupt();
        assertThatThrownBy(x::acquireInterruptibly).isInstanceOf(InterruptedException.class);
        Thread.currentThread().interrupt();
        assertThatThrownBy(() -> x.tryAcquire(Duration.ofSeconds(1))).isInstanceOf(InterruptedException.class);
        assertThat(x.lock().isLocked()).isFalse();
        assertThat(Thread.interrupted()).isFalse();
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void waitingForALockTheThreadAlreadyHoldsFailsFast(Kind kind) {
        Exclusive x = kind.create("inventory");
        assertThat(x.isHeldByCurrentThread()).isFalse();
        try (Guard<Integer> g = x.acquire()) {
            assertThat(x.isHeldByCurrentThread()).isTrue();
            assertThatThrownBy(x::acquire).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("inventory").hasMessageContaining("current thread");
            assertThatThrownBy(x::acquireInterruptibly).isInstanceOf(IllegalStateException.class);
            assertThatThrownBy(() -> x.tryAcquire(Duration.ofSeconds(1))).isInstanceOf(IllegalStateException.class);
            assertThat(x.lock().getQueueLength()).isZero();
        }
        assertThat(x.lock().isLocked()).isFalse();
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void aBlockingHoldHandedToAnotherThreadStillCountsAsItsAcquirers(Kind kind) throws Exception {
        Exclusive x = kind.create("handed");
        Guard<Integer> g = x.acquire();
        // The guard may be used and closed elsewhere, but the acquirer is still its owner until then.
        assertThat(CompletableFuture.supplyAsync(x::isHeldByCurrentThread).get()).isFalse();
        assertThat(x.isHeldByCurrentThread()).isTrue();
        startThread(() -> assertThat(g.get()).isZero()).join();
        assertThatThrownBy(x::acquire).isInstanceOf(IllegalStateException.class);
        startThread(g::close).join();
        try (Guard<Integer> again = x.acquire()) {
            assertThat(again.get()).isZero();
        }
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void asyncHoldsHaveNoOwnerThread(Kind kind) throws Exception {
        Exclusive x = kind.create("async");
        Guard<Integer> asyncHold = x.acquireAsync().get();
        assertThat(x.isHeldByCurrentThread()).isFalse();
        CompletableFuture<Guard<Integer>> blocked = CompletableFuture.supplyAsync(x::acquire);
        awaitQueueLength(x.lock(), 1);
        asyncHold.close();
        blocked.get().close();
        assertThat(x.lock().isLocked()).isFalse();
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void anAsyncRequestForAFreeLockIsAlreadyComplete(Kind kind) throws Exception {
        Exclusive x = kind.create("free");
        CompletableFuture<? extends Guard<Integer>> f = x.acquireAsync();
        assertThat(f).isCompleted();
        try (Guard<Integer> g = f.get()) {
            assertThat(g.get()).isZero();
        }
        assertThat(x.lock().isLocked()).isFalse();
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void guardsMayBeClosedOnAnyThread(Kind kind) throws Exception {
        Exclusive x = kind.create("any-thread");
        Guard<Integer> g = x.acquireAsync().get();
        CountDownLatch closed = new CountDownLatch(1);
        startThread(() -> {
            g.close();
            closed.countDown();
        });
        closed.await();
        assertThat(x.lock().isLocked()).isFalse();
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void racingClosesReleaseOnce(Kind kind) throws Exception {
        Exclusive x = kind.create("racing");
        for (int i = 0; i < 2_000; i++) {
            Guard<Integer> g = x.acquire();
            CountDownLatch go = new CountDownLatch(1);
            AtomicReference<Guard<Integer>> next = new AtomicReference<>();
            Thread a = startThread(() -> {
                awaitOrFail(go);
                g.close();
            });
            Thread b = startThread(() -> {
                awaitOrFail(go);
                g.close();
                next.set(x.acquire()); // takes the lock once one of the closes released it
            });
            go.countDown();
            a.join();
            b.join();
            assertThat(x.lock().isLocked()).as("the new holder's lock must survive the racing close").isTrue();
            next.get().close();
            assertThat(x.lock().isLocked()).isFalse();
        }
    }
}
