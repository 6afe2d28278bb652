package io.ironfence;

import io.ironfence.spi.LockListener;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/** The common part of every guard: the value access, closing, and the use-after-close check. */
abstract class Hold<T> implements Guard<T> {

    /** For the closes that must happen once even when raced: observed ones, and downgrade. */
    static final VarHandle RELEASED;

    static {
        try {
            RELEASED = MethodHandles.lookup().findVarHandle(Hold.class, "released", boolean.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    final Sync lock;
    /** The listener told of the grant, to be told of the release; null if the grant was unobserved. */
    final LockListener listener;
    final long grantNanos;
    /**
     * Plain on the unobserved path so that a guard which does not escape its try block can be
     * scalar-replaced (a CAS on it would make C2 allocate it, 32 B per hold: UncontendedBenchmark
     * with -prof gc). A second close on the same thread, or after a happens-before edge, sees it.
     */
    boolean released;

    Hold(Sync lock, LockListener listener, long grantNanos) {
        this.lock = lock;
        this.listener = listener;
        this.grantNanos = grantNanos;
    }

    @Override
    @SuppressWarnings("unchecked")
    public final T get() {
        checkHeld();
        return (T) lock.value;
    }

    final void checkHeld() {
        if (released) {
            throw new IllegalStateException(this + " has been closed; the lock is no longer held through it");
        }
    }

    @Override
    public final void close() {
        if (released) {
            return;
        }
        if (listener == null) {
            released = true;
            release();
            return;
        }
        // Observed: report before the lock passes on, so listeners see each release before the
        // grant it makes possible; the atomic flag makes sure a racing close reports nothing.
        if (RELEASED.compareAndSet(this, false, true)) {
            Listeners.release(listener, lock, this, shared(), grantNanos, Listeners.now(listener));
            release();
        }
    }

    /** Gives the hold back to the lock; called once per hold, except by racing unobserved closes. */
    abstract void release();

    /** Whether this is a shared (read) hold. */
    abstract boolean shared();

    abstract String kind();

    /** What makes this hold distinct from others of its lock, for {@link #hashCode()}; 0 if nothing. */
    long hashSeed() {
        return 0L;
    }

    /** Guards are equal only to themselves. */
    @Override
    public final boolean equals(Object other) {
        return this == other;
    }

    /**
     * Consistent with identity equality but cheaper than the identity hash, which the JVM has to
     * generate and store on first use: a listener that tracks current holds in a hash map would
     * otherwise pay that on every acquisition (a large share of an annotated call:
     * AnnotatedMethodBenchmark). A read hold of a lock whose listeners use no timestamps has neither
     * a stamp nor a grant time and falls back to it (once per read hold, not measured against the
     * clock read it replaces).
     */
    @Override
    public final int hashCode() {
        long seed = grantNanos ^ hashSeed();
        return seed != 0L ? Long.hashCode(seed * 0x9E3779B97F4A7C15L) : super.hashCode();
    }

    @Override
    public final String toString() {
        return kind() + "[" + lock.getName() + (released ? ", closed]" : ", held]");
    }
}
