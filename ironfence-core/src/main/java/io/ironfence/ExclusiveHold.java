package io.ironfence;

import io.ironfence.spi.LockListener;

/** An exclusive hold, identified by its stamp; see {@link Sync}. */
abstract class ExclusiveHold<T> extends Hold<T> {

    final long stamp;

    ExclusiveHold(Sync lock, long stamp, LockListener listener, long grantNanos) {
        super(lock, listener, grantNanos);
        this.stamp = stamp;
    }

    public final void set(T value) {
        checkHeld();
        lock.value = value;
    }

    @Override
    public final void close() {
        if (released) {
            return;
        }
        if (listener == null) {
            released = true;
            lock.releaseExclusive(stamp); // idempotent by stamp: a racing second close does nothing
            return;
        }
        // Observed: report before the lock passes on, so listeners see each release before the
        // grant it makes possible; the atomic flag makes sure a racing close reports nothing.
        if (RELEASED.compareAndSet(this, false, true)) {
            reportRelease(false);
            lock.releaseExclusive(stamp);
        }
    }

    @Override
    long hashSeed() {
        return stamp;
    }
}
