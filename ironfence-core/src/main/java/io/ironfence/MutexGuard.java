package io.ironfence;

import org.jspecify.annotations.Nullable;

/**
 * The guard of a {@link Mutex} hold: reads and replaces the guarded value.
 *
 * @param <T> the type of the guarded value
 */
public interface MutexGuard<T extends @Nullable Object> extends Guard<T> {

    /**
     * Replaces the guarded value; later holders see the new value.
     *
     * @param value the new value (may be {@code null})
     * @throws IllegalStateException if this guard has been closed
     */
    void set(T value);
}
