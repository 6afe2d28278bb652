package io.ironfence;

import io.ironfence.spi.LockListener;

final class ReadHold<T> extends Hold<T> implements ReadGuard<T> {

    ReadHold(Sync lock, LockListener listener, long grantNanos) {
        super(lock, listener, grantNanos);
    }

    @Override
    void release() {
        lock.releaseShared();
    }

    @Override
    String kind() {
        return "ReadGuard";
    }
}
