/**
 * IronFence: a value and the lock that guards it in one object.
 * {@link io.ironfence.Mutex} and {@link io.ironfence.RWLock} hand out guards
 * ({@link io.ironfence.MutexGuard}, {@link io.ironfence.ReadGuard}, {@link io.ironfence.WriteGuard})
 * that give access to the value while the lock is held and release it when closed, for blocking
 * code on platform or virtual threads and for asynchronous code alike.
 * <p>Nothing in this package is null unless marked {@code @Nullable}.
 */
@NullMarked
package io.ironfence;

import org.jspecify.annotations.NullMarked;
