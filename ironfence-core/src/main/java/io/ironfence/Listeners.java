package io.ironfence;

import io.ironfence.spi.LockListener;
import io.ironfence.spi.LockMode;
import io.ironfence.spi.WaitOutcome;

import org.jspecify.annotations.Nullable;

import java.util.Arrays;

/**
 * Calls listeners safely (a failing listener is logged and never affects the lock) and fans one
 * event out to several listeners, so that a lock only ever reads one listener field.
 * <p>
 * The fan-out hands each event only to the listeners that override its method: most listen to a
 * few events (a holder tracker ignores requests, a tracing listener everything but queued waits),
 * and a call of an inherited no-op through an interface site that sees several listener classes
 * still costs a few nanoseconds, on every hold of the lock.
 */
final class Listeners implements LockListener {

    private static final System.Logger LOG = System.getLogger("io.ironfence");

    /** All of them, in the order added: queued waits keep one context per listener, by index. */
    private final LockListener[] listeners;
    private final LockListener[] requestListeners;
    private final LockListener[] acquireListeners;
    private final LockListener[] releaseListeners;
    private final LockListener[] giveUpListeners;
    private final boolean usesTimestamps;

    private Listeners(LockListener[] listeners) {
        this.listeners = listeners;
        this.requestListeners = overriding(listeners, "onRequest", ObservableLock.class, LockMode.class, long.class);
        this.acquireListeners = overriding(listeners, "onAcquire", ObservableLock.class, Guard.class, LockMode.class,
                long.class, long.class, boolean.class, boolean.class);
        this.releaseListeners = overriding(listeners, "onRelease", ObservableLock.class, Guard.class, LockMode.class,
                long.class, long.class);
        this.giveUpListeners = overriding(listeners, "onGiveUp", ObservableLock.class, LockMode.class,
                WaitOutcome.class, long.class, long.class);
        this.usesTimestamps = Arrays.stream(listeners).anyMatch(LockListener::usesTimestamps);
    }

    /** The listeners whose class declares the event method itself, rather than inheriting the no-op. */
    private static LockListener[] overriding(LockListener[] listeners, String event, Class<?>... parameterTypes) {
        return Arrays.stream(listeners).filter(l -> {
            try {
                return l.getClass().getMethod(event, parameterTypes).getDeclaringClass() != LockListener.class;
            } catch (NoSuchMethodException e) {
                throw new AssertionError(e); // every LockListener has it
            }
        }).toArray(LockListener[]::new);
    }

    static LockListener add(LockListener current, LockListener added) {
        if (current == null) {
            return added;
        }
        LockListener[] existing = current instanceof Listeners ? ((Listeners) current).listeners
                : new LockListener[] {current};
        LockListener[] all = Arrays.copyOf(existing, existing.length + 1);
        all[existing.length] = added;
        return new Listeners(all);
    }

    /** @return the listener(s) without {@code removed}, or {@code current} itself if it was not there */
    static LockListener remove(LockListener current, LockListener removed) {
        if (current == null || current == removed) {
            return null;
        }
        if (!(current instanceof Listeners)) {
            return current;
        }
        LockListener[] existing = ((Listeners) current).listeners;
        int index = Arrays.asList(existing).indexOf(removed);
        if (index < 0) {
            return current;
        }
        if (existing.length == 2) {
            return existing[1 - index];
        }
        LockListener[] rest = new LockListener[existing.length - 1];
        System.arraycopy(existing, 0, rest, 0, index);
        System.arraycopy(existing, index + 1, rest, index, rest.length - index);
        return new Listeners(rest);
    }

    /** @return the time of an event to report to {@code l}: the clock if it reads timestamps, else 0 */
    static long now(LockListener l) {
        return l.usesTimestamps() ? System.nanoTime() : 0L;
    }

    static void request(LockListener l, ObservableLock lock, boolean shared, long requestNanos) {
        try {
            l.onRequest(lock, Sync.mode(shared), requestNanos);
        } catch (RuntimeException e) {
            failed(l, lock, e);
        }
    }

    static void acquire(LockListener l, ObservableLock lock, Guard<?> guard, boolean shared, long requestNanos,
            long grantNanos, boolean waited, boolean async) {
        try {
            l.onAcquire(lock, guard, Sync.mode(shared), requestNanos, grantNanos, waited, async);
        } catch (RuntimeException e) {
            failed(l, lock, e);
        }
    }

    static void release(LockListener l, ObservableLock lock, Guard<?> guard, boolean shared, long grantNanos,
            long releaseNanos) {
        try {
            l.onRelease(lock, guard, Sync.mode(shared), grantNanos, releaseNanos);
        } catch (RuntimeException e) {
            failed(l, lock, e);
        }
    }

    static void giveUp(LockListener l, ObservableLock lock, boolean shared, WaitOutcome outcome, long requestNanos,
            long giveUpNanos) {
        try {
            l.onGiveUp(lock, Sync.mode(shared), outcome, requestNanos, giveUpNanos);
        } catch (RuntimeException e) {
            failed(l, lock, e);
        }
    }

    /** @return the listener's context for a queued wait, or null (also when it failed) */
    static @Nullable Object queued(LockListener l, ObservableLock lock, boolean shared, long requestNanos) {
        try {
            return l.onQueued(lock, Sync.mode(shared), requestNanos);
        } catch (RuntimeException e) {
            failed(l, lock, e);
            return null;
        }
    }

    /** Ends a queued wait for the listener(s) that returned {@code context}; nothing if it is null. */
    static void waitEnded(LockListener l, @Nullable Object context, ObservableLock lock, WaitOutcome outcome) {
        if (context == null) {
            return;
        }
        try {
            l.onWaitEnded(context, outcome);
        } catch (RuntimeException e) {
            failed(l, lock, e);
        }
    }

    private static void failed(LockListener l, ObservableLock lock, RuntimeException e) {
        LOG.log(System.Logger.Level.WARNING, () -> "Lock listener " + l + " failed on lock " + lock.getName(), e);
    }

    // Fan-out: each listener is called through the safe helpers, so one failing does not starve the rest.

    @Override
    public void onRequest(ObservableLock lock, LockMode mode, long requestNanos) {
        for (LockListener l : requestListeners) {
            request(l, lock, mode == LockMode.SHARED, requestNanos);
        }
    }

    @Override
    public void onAcquire(ObservableLock lock, Guard<?> guard, LockMode mode, long requestNanos, long grantNanos,
            boolean waited, boolean async) {
        for (LockListener l : acquireListeners) {
            acquire(l, lock, guard, mode == LockMode.SHARED, requestNanos, grantNanos, waited, async);
        }
    }

    @Override
    public void onRelease(ObservableLock lock, Guard<?> guard, LockMode mode, long grantNanos, long releaseNanos) {
        for (LockListener l : releaseListeners) {
            release(l, lock, guard, mode == LockMode.SHARED, grantNanos, releaseNanos);
        }
    }

    @Override
    public void onGiveUp(ObservableLock lock, LockMode mode, WaitOutcome outcome, long requestNanos,
            long giveUpNanos) {
        for (LockListener l : giveUpListeners) {
            giveUp(l, lock, mode == LockMode.SHARED, outcome, requestNanos, giveUpNanos);
        }
    }

    @Override
    public boolean usesTimestamps() {
        return usesTimestamps;
    }

    /** @return one context per listener, or null if none returned one (nothing to end then) */
    @Override
    public @Nullable Object onQueued(ObservableLock lock, LockMode mode, long requestNanos) {
        Object[] contexts = null;
        for (int i = 0; i < listeners.length; i++) {
            Object context = queued(listeners[i], lock, mode == LockMode.SHARED, requestNanos);
            if (context != null) {
                if (contexts == null) {
                    contexts = new Object[listeners.length];
                }
                contexts[i] = context;
            }
        }
        return contexts == null ? null : new Contexts(lock, contexts);
    }

    @Override
    public void onWaitEnded(Object context, WaitOutcome outcome) {
        Contexts each = (Contexts) context;
        for (int i = 0; i < listeners.length; i++) {
            waitEnded(listeners[i], each.contexts[i], each.lock, outcome);
        }
    }

    /** The fan-out's context: the same listeners end the wait as queued it (this fan-out never changes). */
    private record Contexts(ObservableLock lock, Object[] contexts) {
    }

    @Override
    public String toString() {
        return Arrays.toString(listeners);
    }
}
