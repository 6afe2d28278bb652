package io.ironfence;

import io.ironfence.spi.LockListener;

final class ReadHold<T> extends Hold<T> implements ReadGuard<T> {

    ReadHold(Sync lock, LockListener listener, long grantNanos) {
        super(lock, listener, grantNanos);
    }

    @Override
    public void close() {
        // Readers are counted, not identified: only the flag stops a racing second close from
        // releasing another reader's hold.
        if (released || !RELEASED.compareAndSet(this, false, true)) {
            return;
        }
        lock.releaseShared();
        reportRelease(true);
    }

    @Override
    String kind() {
        return "ReadGuard";
    }
}
