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
        reportRelease(true); // before the lock passes on: listeners see releases before the grants they allow
        lock.releaseShared();
    }

    @Override
    String kind() {
        return "ReadGuard";
    }
}
