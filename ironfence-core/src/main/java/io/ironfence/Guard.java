package io.ironfence;

import org.jspecify.annotations.Nullable;

/**
 * Access to a locked value for as long as the lock is held; closing the guard releases the lock.
 *
 * <pre>{@code
 * try (MutexGuard<Map<String, String>> g = mutex.lock()) {
 *     g.get().put("key", "value");
 * }
 * }</pre>
 *
 * <ul>
 *   <li>{@link #close()} releases the lock; a second {@code close()} does nothing.</li>
 *   <li>{@link #get()} after close throws {@link IllegalStateException}. The check is exact on the
 *       thread that closed the guard and on threads that learned of the close through a
 *       happens-before edge (a future, a queue); a thread racing an unsynchronized close may miss it.</li>
 *   <li>A guard may be closed on any thread, so asynchronous code may hop threads while holding it.
 *       A guard of an exclusive hold taken by a blocking call still counts as its acquirer's until it
 *       is closed: that thread gets {@link IllegalStateException} if it tries to wait for the same
 *       lock again (see {@link Mutex#lock()}).</li>
 *   <li>Closing is not synchronized against itself: a guard closed by two threads at once (with no
 *       happens-before edge between the closes) may release twice. For an exclusive hold that is
 *       harmless; for a read hold it may give back another reader's hold, so do not share a guard
 *       between threads that may close it concurrently. This keeps a guard that stays in its
 *       try-with-resources block free of allocation.</li>
 *   <li>{@code toString()} never shows the guarded value, which may hold secrets.</li>
 * </ul>
 *
 * @param <T> the type of the guarded value
 */
public interface Guard<T extends @Nullable Object> extends AutoCloseable {

    /**
     * @return the guarded value (may be {@code null})
     * @throws IllegalStateException if this guard has been closed
     */
    T get();

    /** Releases the lock. Idempotent; never throws a checked exception. */
    @Override
    void close();
}
