package io.ironfence;

import io.ironfence.spi.LockListener;

import org.jspecify.annotations.Nullable;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * A value and the lock that guards it, in one object: the value can only be reached through a
 * {@link MutexGuard}, and holding a guard means holding the lock.
 *
 * <pre>{@code
 * Mutex<Map<String, String>> mu = new Mutex<>(new HashMap<>());
 * try (MutexGuard<Map<String, String>> g = mu.lock()) {
 *     g.get().put("key", "example");
 * }
 * mu.lockAsync().thenAccept(g -> { try (g) { g.get().put("k", "v"); } });
 * }</pre>
 *
 * <h2>Waiting</h2>
 * One FIFO queue serves blocking and asynchronous requests alike. Blocking waits park the thread
 * ({@link java.util.concurrent.locks.LockSupport}), so virtual threads unmount while they wait.
 * The lock is not reentrant: a thread that waits for an exclusive hold it took itself with a
 * blocking call (and has not released) gets {@link IllegalStateException} at once instead of a
 * silent deadlock. Asynchronous holds have no owner thread and are not checked.
 *
 * <h2>Fairness</h2>
 * No request waits forever while others keep acquiring. For throughput, a released lock may be
 * taken by a thread that arrives just then (barging), ahead of the woken head of the queue, as with
 * a non-fair {@link java.util.concurrent.locks.ReentrantLock}; but once the head has waited about a
 * millisecond, the lock is handed directly to it and nobody barges until the queue catches up (the
 * policy of Go's {@code sync.Mutex}). {@link #tryLock()} barges too, except during such a hand-off.
 *
 * <h2>Asynchronous requests</h2>
 * {@link #lockAsync()} never blocks. When the lock is free, the returned future is already
 * complete and continuations attached to it run on the calling thread. Otherwise the future is
 * completed by the thread that releases the lock to it (the one that closes the previous guard),
 * so non-async continuations run there, inside that {@code close()}. If that thread is already
 * completing such a future, the new one is completed right after the current continuation returns:
 * chains of async grants are delivered one after another and never deepen the stack. Continuations should not
 * block; use {@code thenApplyAsync(fn, executor)} and the like to run on an executor of your choice.
 *
 * <h2>Bounded waiting</h2>
 * The wait queue is unbounded unless {@link #setMaxWaiting(int)} (or a {@link WaitingLimit} shared
 * with other locks) bounds it; then a request that would have to wait behind a full queue fails at
 * once with {@link LockQueueFullException} (a failed future for {@link #lockAsync()}), holding
 * nothing. In a spike that keeps the backlog, and the time it takes to drain, bounded.
 *
 * <h2>Interrupts, timeouts and cancellation</h2>
 * A request that times out, is interrupted or whose future is cancelled leaves the queue before its
 * caller hears of it and never leaks the lock. When an interrupt races a grant, the caller either
 * gets {@link InterruptedException} and no hold, or the guard with its interrupt flag still set.
 *
 * @param <T> the type of the guarded value
 */
public final class Mutex<T extends @Nullable Object> extends Sync {

    /**
     * Creates an unlocked, unnamed mutex.
     *
     * @param value the value to guard (may be {@code null})
     */
    public Mutex(T value) {
        super(null, "mutex", value);
    }

    private Mutex(String name, T value) {
        super(Objects.requireNonNull(name, "name"), "mutex", value);
    }

    /**
     * Creates an unlocked mutex with a name, which metrics, logs and error messages show.
     *
     * @param name  the name
     * @param value the value to guard (may be {@code null})
     * @param <T>   the type of the guarded value
     * @return the mutex
     */
    public static <T> Mutex<T> named(String name, T value) {
        return new Mutex<>(name, value);
    }

    /**
     * Waits until the lock is acquired. Like {@link java.util.concurrent.locks.ReentrantLock#lock()}
     * it is not interruptible: an interrupt during the wait is kept and re-asserted on return.
     *
     * @return the guard; close it to release
     * @throws IllegalStateException if the current thread already holds this lock through a blocking call
     */
    public MutexGuard<T> lock() {
        return acquireUninterruptibly(false);
    }

    /**
     * Waits until the lock is acquired or the thread is interrupted.
     *
     * @return the guard; close it to release
     * @throws InterruptedException  if interrupted while waiting (the lock is not held then)
     * @throws IllegalStateException if the current thread already holds this lock through a blocking call
     */
    public MutexGuard<T> lockInterruptibly() throws InterruptedException {
        return acquireInterruptibly(false);
    }

    /**
     * Acquires the lock if it is free now; never waits. It may take a free lock ahead of queued
     * waiters, except while the lock is being handed to a waiter that has waited too long.
     *
     * @return the guard, or empty if the lock is not free
     */
    public Optional<MutexGuard<T>> tryLock() {
        return tryAcquireNow(false);
    }

    /**
     * Waits at most {@code timeout} for the lock.
     *
     * @param timeout the longest wait; zero or negative means do not wait
     * @return the guard, or empty on timeout
     * @throws InterruptedException  if interrupted while waiting (the lock is not held then)
     * @throws IllegalStateException if the current thread already holds this lock through a blocking call
     */
    public Optional<MutexGuard<T>> tryLock(Duration timeout) throws InterruptedException {
        return tryAcquireFor(false, timeout);
    }

    /**
     * Requests the lock without blocking the calling thread. See the class documentation for the
     * thread that completes the future. Cancelling (or completing) the future while it waits
     * withdraws the request; a grant that races with that is released, never leaked.
     *
     * @return a future of the guard; the caller must close the guard it completes with
     */
    public CompletableFuture<MutexGuard<T>> lockAsync() {
        return acquireAsync(false);
    }

    /** @return whether the mutex is held */
    @Override
    public boolean isLocked() {
        return super.isLocked();
    }

    /**
     * Whether the current thread holds this mutex through a blocking call ({@link #lock()} and the
     * like) that it has not released: the hold that makes a second blocking call on this thread
     * fail instead of deadlocking. Asynchronous holds have no owner thread and never count.
     *
     * @return whether the current thread is the blocking holder
     */
    public boolean isHeldByCurrentThread() {
        return isOwnedByCurrentThread();
    }

    @Override
    Hold<?> newHold(boolean shared, long stamp, LockListener listener, long grantNanos) {
        return new MutexHold<T>(this, stamp, listener, grantNanos);
    }

    /** @return the name and state, never the guarded value */
    @Override
    public String toString() {
        return "Mutex[" + getName() + ", " + describeState() + "]";
    }
}
