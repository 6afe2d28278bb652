package io.ironfence;

import org.jspecify.annotations.Nullable;

/**
 * The guard of an {@link RWLock} read hold. It has no {@code set}: readers share the value and must
 * not change it. There is no upgrade to a write hold either, because two readers upgrading at once
 * would wait for each other forever; release the read hold and call {@link RWLock#write()} instead.
 *
 * @param <T> the type of the guarded value
 */
public interface ReadGuard<T extends @Nullable Object> extends Guard<T> {
}
