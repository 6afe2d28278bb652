package io.ironfence.spring;

import io.ironfence.Guard;
import io.ironfence.Mutex;
import io.ironfence.ObservableLock;
import io.ironfence.RWLock;

import org.jspecify.annotations.Nullable;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;

/**
 * A keyed lock as code uses it: one lock per key under one name, the same locks that
 * {@code @WithLock(value = "owner", key = "#ownerId")} and {@code @ReadLocked(..., key = ...)} take,
 * so annotated methods and code that locks by hand wait for each other.
 *
 * <pre>{@code
 * @Qualifier("owner") KeyedLock owners;           // ironfence.locks.owner.keyed=true
 *
 * try (Guard<Void> hold = owners.lock(ownerId)) { // exclusive: the mutex, or the write lock
 *     ...
 * }
 * }</pre>
 *
 * Keys are compared with {@code equals}; a key's lock lives only while somebody holds or waits for
 * it, so memory follows the keys in use. Each method behaves like its counterpart on
 * {@link Mutex} and {@link RWLock} (waiting, interrupts, timeouts, cancellation of an async
 * request); the guards guard no value ({@link Guard#get()} returns null) and releasing one also
 * lets the key's lock go once nobody else uses it. {@code lock} methods are exclusive: a mutex, or
 * the write lock of a read-write lock; {@code read} methods need a read-write lock.
 */
public final class KeyedLock {

    private final NamedLock named;

    KeyedLock(NamedLock named) {
        this.named = named;
    }

    /** @return the lock's name */
    public String getName() {
        return named.getName();
    }

    /** @return whether each key's lock is a mutex or a read-write lock */
    public LockType getType() {
        return named.getType();
    }

    /** @return the number of keys whose lock is held or waited for now */
    public int getLiveKeyCount() {
        return named.getKeyedLocks().size();
    }

    /**
     * Waits, not interruptibly, for the key's exclusive lock.
     *
     * @param key a non-null key
     * @return the guard; closing it releases the lock
     */
    public Guard<Void> lock(Object key) {
        return acquireUninterruptibly(key, lock -> lock instanceof Mutex<?> mutex ? mutex.lock() : asRW(lock).write());
    }

    /**
     * @param key a non-null key
     * @return the guard of the key's exclusive lock
     * @throws InterruptedException if interrupted while waiting (the lock is not held)
     */
    public Guard<Void> lockInterruptibly(Object key) throws InterruptedException {
        return acquire(key, lock -> lock instanceof Mutex<?> mutex ? mutex.lockInterruptibly()
                : asRW(lock).writeInterruptibly());
    }

    /**
     * @param key a non-null key
     * @return the guard of the key's exclusive lock if it is free now, else empty
     */
    public Optional<Guard<Void>> tryLock(Object key) {
        return Optional.ofNullable(acquireUninterruptibly(key, lock -> (lock instanceof Mutex<?> mutex ? mutex.tryLock()
                : asRW(lock).tryWrite()).orElse(null)));
    }

    /**
     * @param key     a non-null key
     * @param timeout how long to wait at most
     * @return the guard of the key's exclusive lock, or empty if the timeout ran out
     * @throws InterruptedException if interrupted while waiting (the lock is not held)
     */
    public Optional<Guard<Void>> tryLock(Object key, Duration timeout) throws InterruptedException {
        return Optional.ofNullable(acquire(key, lock -> (lock instanceof Mutex<?> mutex ? mutex.tryLock(timeout)
                : asRW(lock).tryWrite(timeout)).orElse(null)));
    }

    /**
     * Requests the key's exclusive lock without blocking. Cancelling the future withdraws the
     * request; a grant that races with the cancel is released.
     *
     * @param key a non-null key
     * @return a future of the guard
     */
    public CompletableFuture<Guard<Void>> lockAsync(Object key) {
        return acquireAsync(key, lock -> lock instanceof Mutex<?> mutex ? mutex.lockAsync() : asRW(lock).writeAsync());
    }

    /**
     * Waits, not interruptibly, for a read hold of the key's lock.
     *
     * @param key a non-null key
     * @return the guard; closing it releases the read hold
     * @throws IllegalStateException if the lock is a mutex
     */
    public Guard<Void> read(Object key) {
        return acquireUninterruptibly(key, lock -> asRW(lock).read());
    }

    /**
     * @param key a non-null key
     * @return the guard of a read hold of the key's lock
     * @throws InterruptedException  if interrupted while waiting (the lock is not held)
     * @throws IllegalStateException if the lock is a mutex
     */
    public Guard<Void> readInterruptibly(Object key) throws InterruptedException {
        return acquire(key, lock -> asRW(lock).readInterruptibly());
    }

    /**
     * @param key a non-null key
     * @return the guard of a read hold if one can be had now, else empty
     * @throws IllegalStateException if the lock is a mutex
     */
    public Optional<Guard<Void>> tryRead(Object key) {
        return Optional.ofNullable(acquireUninterruptibly(key, lock -> asRW(lock).tryRead().orElse(null)));
    }

    /**
     * @param key     a non-null key
     * @param timeout how long to wait at most
     * @return the guard of a read hold, or empty if the timeout ran out
     * @throws InterruptedException  if interrupted while waiting (the lock is not held)
     * @throws IllegalStateException if the lock is a mutex
     */
    public Optional<Guard<Void>> tryRead(Object key, Duration timeout) throws InterruptedException {
        return Optional.ofNullable(acquire(key, lock -> asRW(lock).tryRead(timeout).orElse(null)));
    }

    /**
     * Requests a read hold of the key's lock without blocking; cancelling the future withdraws it.
     *
     * @param key a non-null key
     * @return a future of the guard
     * @throws IllegalStateException if the lock is a mutex
     */
    public CompletableFuture<Guard<Void>> readAsync(Object key) {
        return acquireAsync(key, lock -> asRW(lock).readAsync());
    }

    /** A wait on one key's lock: the guard, or null if it gave up without the lock. */
    @FunctionalInterface
    private interface Wait {
        @Nullable Guard<?> on(ObservableLock lock) throws InterruptedException;
    }

    /** A wait that cannot be interrupted. */
    @FunctionalInterface
    private interface UninterruptibleWait {
        @Nullable Guard<?> on(ObservableLock lock);
    }

    private @Nullable Guard<Void> acquireUninterruptibly(Object key, UninterruptibleWait wait) {
        try {
            return acquire(key, wait::on);
        } catch (InterruptedException e) {
            throw new AssertionError("an uninterruptible wait was interrupted", e);
        }
    }

    /** @return the hold, or null if the wait gave up (the key is let go then) */
    private @Nullable Guard<Void> acquire(Object key, Wait wait) throws InterruptedException {
        KeyedLocks keyed = named.getKeyedLocks();
        Object checkedKey = checked(key);
        KeyedLocks.Entry entry = keyed.retain(checkedKey);
        Guard<?> guard = null;
        try {
            guard = wait.on(entry.lock());
        } finally {
            if (guard == null) {
                keyed.release(checkedKey, entry);
            }
        }
        return guard != null ? new KeyHold(guard, checkedKey, entry) : null;
    }

    private CompletableFuture<Guard<Void>> acquireAsync(Object key,
            Function<ObservableLock, CompletableFuture<? extends Guard<?>>> request) {
        KeyedLocks keyed = named.getKeyedLocks();
        Object checkedKey = checked(key);
        KeyedLocks.Entry entry = keyed.retain(checkedKey);
        CompletableFuture<? extends Guard<?>> pending;
        try {
            pending = request.apply(entry.lock());
        } catch (RuntimeException e) {
            keyed.release(checkedKey, entry);
            throw e;
        }
        CompletableFuture<Guard<Void>> result = new CompletableFuture<>();
        // The request's future completes once: either it failed (cancelled, say) and the key is let
        // go here, or it was granted and the hold owns the key, released by close() even when the
        // caller's future was cancelled or completed by someone else before the grant reached it.
        pending.whenComplete((guard, failure) -> {
            if (failure != null) {
                keyed.release(checkedKey, entry);
                result.completeExceptionally(failure);
            } else {
                KeyHold hold = new KeyHold(guard, checkedKey, entry);
                if (!result.complete(hold)) {
                    hold.close();
                }
            }
        });
        result.whenComplete((hold, failure) -> {
            if (result.isCancelled()) {
                pending.cancel(false);
            }
        });
        return result;
    }

    private Object checked(@Nullable Object key) {
        if (key == null) {
            throw new IllegalArgumentException("Keyed lock '" + getName() + "' needs a non-null key");
        }
        return key;
    }

    private RWLock<?> asRW(ObservableLock lock) {
        if (!(lock instanceof RWLock<?> rw)) {
            throw new IllegalStateException("Lock '" + getName() + "' is a mutex, which has no read holds: use lock(key), "
                    + "or declare ironfence.locks." + getName() + ".type=rwlock");
        }
        return rw;
    }

    @Override
    public String toString() {
        return "KeyedLock[" + getName() + ", " + getType().id() + ", " + getLiveKeyCount() + " live keys]";
    }

    /** A hold of one key's lock that also lets the key go on close. Never shows the key. */
    private final class KeyHold implements Guard<Void> {

        private final Guard<?> guard;
        private final Object key;
        private final KeyedLocks.Entry entry;
        private final AtomicBoolean closed = new AtomicBoolean();

        KeyHold(Guard<?> guard, Object key, KeyedLocks.Entry entry) {
            this.guard = guard;
            this.key = key;
            this.entry = entry;
        }

        @Override
        public @Nullable Void get() {
            guard.get(); // throws once closed
            return null;
        }

        @Override
        public void close() {
            if (closed.compareAndSet(false, true)) {
                try {
                    guard.close();
                } finally {
                    named.getKeyedLocks().release(key, entry);
                }
            }
        }

        @Override
        public String toString() {
            return "KeyedLock.Guard[" + getName() + ", " + (closed.get() ? "closed" : "held") + "]";
        }
    }
}
