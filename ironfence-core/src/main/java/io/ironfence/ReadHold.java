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
    boolean shared() {
        return true;
    }

    @Override
    String kind() {
        return "ReadGuard";
    }
}
