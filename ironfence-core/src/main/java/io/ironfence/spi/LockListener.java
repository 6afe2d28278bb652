package io.ironfence.spi;

import io.ironfence.Guard;
import io.ironfence.ObservableLock;

import org.jspecify.annotations.Nullable;

/**
 * Observes what happens to one lock: each request, each grant, each release, and each request that
 * gave up. Metrics, holder tracking and stuck-lock detection are built on it.
 *
 * <p>Every request ends in exactly one {@link #onAcquire} or one {@link #onGiveUp}; every
 * {@code onAcquire} is followed by exactly one {@link #onRelease} of the same guard, told to the
 * same listener even if the listener was removed from the lock in between. Timestamps are
 * {@link System#nanoTime()} readings, taken only while a listener that {@link #usesTimestamps uses
 * them} is attached (0 otherwise): an unobserved lock pays nothing but one null check.
 *
 * <p>Callbacks run on the thread that caused the event, while no internal lock is held, and must be
 * quick and must not block: {@code onAcquire} of a blocking request runs on the acquiring thread,
 * {@code onAcquire} of an asynchronous request that had to wait runs on the thread that released the
 * lock to it, {@code onRelease} on the thread that closed the guard. An exception thrown by a
 * callback is logged (logger {@code io.ironfence}) and otherwise ignored: it never affects the lock.
 *
 * <p>All methods default to doing nothing, so implementations override only what they need.
 *
 * @see ObservableLock#addListener(LockListener)
 */
public interface LockListener {

    /**
     * A caller asked for the lock.
     *
     * @param lock         the lock
     * @param mode         the mode asked for
     * @param requestNanos when
     */
    default void onRequest(ObservableLock lock, LockMode mode, long requestNanos) {
    }

    /**
     * The lock was granted.
     *
     * @param lock         the lock
     * @param guard        the guard that holds it; its identity matches the later {@link #onRelease}
     * @param mode         the mode granted
     * @param requestNanos when it was asked for
     * @param grantNanos   when it was granted
     * @param waited       whether the request had to queue behind others (it was contended)
     * @param async        whether it was an asynchronous request ({@code lockAsync()} and the like)
     */
    default void onAcquire(ObservableLock lock, Guard<?> guard, LockMode mode, long requestNanos, long grantNanos,
            boolean waited, boolean async) {
    }

    /**
     * A hold was released (its guard closed, or downgraded).
     *
     * @param lock         the lock
     * @param guard        the guard that was closed
     * @param mode         the mode it was held in
     * @param grantNanos   when it was granted
     * @param releaseNanos when it was released
     */
    default void onRelease(ObservableLock lock, Guard<?> guard, LockMode mode, long grantNanos, long releaseNanos) {
    }

    /**
     * Whether this listener reads the timestamps ({@code requestNanos}, {@code grantNanos},
     * {@code releaseNanos}, {@code giveUpNanos}) it is given. A lock reads the clock for its events
     * only if one of its listeners does, and passes 0 otherwise: on some virtual machines
     * ({@code kvm-clock}) one {@link System#nanoTime()} costs more than the rest of an observed
     * acquisition and release. Asked when the listener is added; the answer must not change.
     *
     * @return {@code true} (the default) unless the listener ignores every timestamp
     */
    default boolean usesTimestamps() {
        return true;
    }

    /**
     * A request found the lock busy and waits in its queue: called once per such request, on the
     * requesting thread (for an asynchronous request, the caller's), so a tracing listener can open
     * a span that is a child of the caller's. Requests granted at once, {@code tryLock()} and
     * requests turned away by a full queue are never queued and never reported here.
     *
     * @param lock         the lock
     * @param mode         the mode asked for
     * @param requestNanos when it was asked for
     * @return this listener's context for the wait, handed to {@link #onWaitEnded} when the wait ends,
     *         on whatever thread ends it; null if the listener needs to hear no more of it
     */
    default @Nullable Object onQueued(ObservableLock lock, LockMode mode, long requestNanos) {
        return null;
    }

    /**
     * A wait that {@link #onQueued} returned a context for has ended, granted or not (its
     * {@link #onAcquire} or {@link #onGiveUp} follows or has happened). Called on the thread that
     * ended it: the waiting thread, or for an asynchronous request the thread that granted,
     * cancelled or timed it out.
     *
     * @param context what {@code onQueued} returned
     * @param outcome how the wait ended
     */
    default void onWaitEnded(Object context, WaitOutcome outcome) {
    }

    /**
     * A request ended without the lock.
     *
     * @param lock         the lock
     * @param mode         the mode asked for
     * @param outcome      why: {@link WaitOutcome#TIMEOUT}, {@link WaitOutcome#CANCELLED},
     *                     {@link WaitOutcome#INTERRUPTED} or {@link WaitOutcome#REJECTED}
     * @param requestNanos when it was asked for
     * @param giveUpNanos  when it gave up
     */
    default void onGiveUp(ObservableLock lock, LockMode mode, WaitOutcome outcome, long requestNanos,
            long giveUpNanos) {
    }
}
