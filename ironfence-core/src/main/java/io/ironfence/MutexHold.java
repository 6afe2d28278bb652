package io.ironfence;

import io.ironfence.spi.LockListener;

final class MutexHold<T> extends ExclusiveHold<T> implements MutexGuard<T> {

    MutexHold(Sync lock, long stamp, LockListener listener, long grantNanos) {
        super(lock, stamp, listener, grantNanos);
    }

    @Override
    String kind() {
        return "MutexGuard";
    }
}
