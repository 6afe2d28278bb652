package io.ironfence;

import io.ironfence.spi.LockListener;

import org.jspecify.annotations.Nullable;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * A value and the read-write lock that guards it, in one object: many readers at once, or one
 * writer.
 *
 * <pre>{@code
 * RWLock<List<String>> rw = new RWLock<>(new ArrayList<>());
 * try (ReadGuard<List<String>> r = rw.read()) { System.out.println(r.get()); }
 * try (WriteGuard<List<String>> w = rw.write()) { w.get().add("example"); }
 * }</pre>
 *
 * <p>Waiting, fairness, timeouts, interrupts, cancellation and the thread that completes an
 * asynchronous request work as for {@link Mutex}; writes behave like a mutex's holds. In addition:
 * <ul>
 *   <li>Queued requests are served in arrival order, and a reader that arrives while a writer is
 *       first in the queue queues behind it, so a stream of readers never starves a writer. A new
 *       reader may join the readers already in while a writer waits behind queued readers (as with
 *       a non-fair {@code ReentrantReadWriteLock}): those readers are served first, then the writer
 *       is first in line. When a writer releases, every reader at the head of the queue is let in:
 *       asynchronous ones at once, parked ones as they wake (each wakes the next), so that no hold
 *       is kept by a thread still waking up.</li>
 *   <li>{@link #tryRead()} succeeds only if no writer holds the lock or is first in line; {@link #tryWrite()}
 *       may take a free lock ahead of queued waiters, as {@link Mutex#tryLock()} does.</li>
 *   <li>Read holds have no owner thread. A thread that holds the write lock through a blocking call
 *       and then waits to read or write gets {@link IllegalStateException} (use
 *       {@link WriteGuard#downgrade()} to go from writing to reading). Waiting to write while holding
 *       a read hold yourself deadlocks, as with every read-write lock: release the read hold first.</li>
 * </ul>
 *
 * @param <T> the type of the guarded value
 */
public final class RWLock<T extends @Nullable Object> extends Sync {

    /**
     * Creates an unlocked, unnamed read-write lock.
     *
     * @param value the value to guard (may be {@code null})
     */
    public RWLock(T value) {
        super(null, "rwlock", value);
    }

    private RWLock(String name, T value) {
        super(Objects.requireNonNull(name, "name"), "rwlock", value);
    }

    /**
     * Creates an unlocked read-write lock with a name, which metrics, logs and error messages show.
     *
     * @param name  the name
     * @param value the value to guard (may be {@code null})
     * @param <T>   the type of the guarded value
     * @return the lock
     */
    public static <T> RWLock<T> named(String name, T value) {
        return new RWLock<>(name, value);
    }

    // ------------------------------------------------------------------ shared

    /**
     * Waits until a read hold is acquired; not interruptible (an interrupt is re-asserted on return).
     *
     * @return the guard; close it to release
     * @throws IllegalStateException if the current thread holds the write lock through a blocking call
     */
    public ReadGuard<T> read() {
        return acquireUninterruptibly(true);
    }

    /**
     * Waits until a read hold is acquired or the thread is interrupted.
     *
     * @return the guard; close it to release
     * @throws InterruptedException  if interrupted while waiting (no hold is taken then)
     * @throws IllegalStateException if the current thread holds the write lock through a blocking call
     */
    public ReadGuard<T> readInterruptibly() throws InterruptedException {
        return acquireInterruptibly(true);
    }

    /**
     * Takes a read hold if no writer holds the lock or is first in line for it; never waits.
     *
     * @return the guard, or empty
     */
    public Optional<ReadGuard<T>> tryRead() {
        return tryAcquireNow(true);
    }

    /**
     * Waits at most {@code timeout} for a read hold.
     *
     * @param timeout the longest wait; zero or negative means do not wait
     * @return the guard, or empty on timeout
     * @throws InterruptedException  if interrupted while waiting (no hold is taken then)
     * @throws IllegalStateException if the current thread holds the write lock through a blocking call
     */
    public Optional<ReadGuard<T>> tryRead(Duration timeout) throws InterruptedException {
        return tryAcquireFor(true, timeout);
    }

    /**
     * Requests a read hold without blocking the calling thread; see {@link Mutex#lockAsync()}.
     *
     * @return a future of the guard; the caller must close the guard it completes with
     */
    public CompletableFuture<ReadGuard<T>> readAsync() {
        return acquireAsync(true);
    }

    // ------------------------------------------------------------------ exclusive

    /**
     * Waits until the write lock is acquired; not interruptible (an interrupt is re-asserted on return).
     *
     * @return the guard; close it to release
     * @throws IllegalStateException if the current thread holds the write lock through a blocking call
     */
    public WriteGuard<T> write() {
        return acquireUninterruptibly(false);
    }

    /**
     * Waits until the write lock is acquired or the thread is interrupted.
     *
     * @return the guard; close it to release
     * @throws InterruptedException  if interrupted while waiting (the lock is not held then)
     * @throws IllegalStateException if the current thread holds the write lock through a blocking call
     */
    public WriteGuard<T> writeInterruptibly() throws InterruptedException {
        return acquireInterruptibly(false);
    }

    /**
     * Takes the write lock if it is free now; never waits. It may take a free lock ahead of queued
     * waiters, except while the lock is being handed to a waiter that has waited too long.
     *
     * @return the guard, or empty
     */
    public Optional<WriteGuard<T>> tryWrite() {
        return tryAcquireNow(false);
    }

    /**
     * Waits at most {@code timeout} for the write lock.
     *
     * @param timeout the longest wait; zero or negative means do not wait
     * @return the guard, or empty on timeout
     * @throws InterruptedException  if interrupted while waiting (the lock is not held then)
     * @throws IllegalStateException if the current thread holds the write lock through a blocking call
     */
    public Optional<WriteGuard<T>> tryWrite(Duration timeout) throws InterruptedException {
        return tryAcquireFor(false, timeout);
    }

    /**
     * Requests the write lock without blocking the calling thread; see {@link Mutex#lockAsync()}.
     *
     * @return a future of the guard; the caller must close the guard it completes with
     */
    public CompletableFuture<WriteGuard<T>> writeAsync() {
        return acquireAsync(false);
    }

    // ------------------------------------------------------------------ state

    /** @return the number of read holds now */
    public int getReadLockCount() {
        return sharedHoldCount();
    }

    /** @return whether a writer holds the lock */
    public boolean isWriteLocked() {
        return isHeldExclusively();
    }

    /**
     * Whether the current thread holds the write lock through a blocking call ({@link #write()} and
     * the like) that it has not released. Read holds and asynchronous holds have no owner thread
     * and never count.
     *
     * @return whether the current thread is the blocking writer
     */
    public boolean isWriteLockedByCurrentThread() {
        return isOwnedByCurrentThread();
    }

    @Override
    Hold<?> newHold(boolean shared, long stamp, LockListener listener, long grantNanos) {
        return shared ? new ReadHold<T>(this, listener, grantNanos) : new WriteHold<T>(this, stamp, listener, grantNanos);
    }

    /** @return the name and state, never the guarded value */
    @Override
    public String toString() {
        return "RWLock[" + getName() + ", " + describeState() + "]";
    }
}
