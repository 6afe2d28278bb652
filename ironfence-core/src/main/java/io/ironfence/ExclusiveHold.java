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
    final void release() {
        lock.releaseExclusive(stamp); // idempotent by stamp: a racing second close does nothing
    }

    @Override
    final boolean shared() {
        return false;
    }

    @Override
    long hashSeed() {
        return stamp;
    }
}
