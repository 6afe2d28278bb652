package io.ironfence;

import org.jspecify.annotations.Nullable;

/**
 * The guard of an {@link RWLock} write hold: reads and replaces the guarded value, and can turn
 * itself into a read hold.
 *
 * @param <T> the type of the guarded value
 */
public interface WriteGuard<T extends @Nullable Object> extends Guard<T> {

    /**
     * Replaces the guarded value; later holders see the new value.
     *
     * @param value the new value (may be {@code null})
     * @throws IllegalStateException if this guard has been closed
     */
    void set(T value);

    /**
     * Atomically turns this write hold into a read hold: no writer can take the lock in between,
     * and readers queued at the head of the wait queue are let in beside the new reader. This guard
     * is closed by the call.
     *
     * @return the guard of the new read hold
     * @throws IllegalStateException if this guard has been closed
     */
    ReadGuard<T> downgrade();
}
