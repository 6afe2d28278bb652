package io.ironfence;

import io.ironfence.spi.LockListener;

final class WriteHold<T> extends ExclusiveHold<T> implements WriteGuard<T> {

    WriteHold(Sync lock, long stamp, LockListener listener, long grantNanos) {
        super(lock, stamp, listener, grantNanos);
    }

    @Override
    public ReadGuard<T> downgrade() {
        checkHeld();
        if (!RELEASED.compareAndSet(this, false, true)) {
            throw new IllegalStateException(this + " was closed concurrently; nothing to downgrade");
        }
        LockListener l = lock.listener();
        // One reading is the write hold's release and the read hold's grant, if a listener of either uses it.
        boolean timed = listener != null && listener.usesTimestamps() || l != null && l.usesTimestamps();
        long now = timed ? System.nanoTime() : 0L;
        if (listener != null) {
            Listeners.release(listener, lock, this, false, grantNanos, now);
        }
        if (!lock.downgrade(stamp)) {
            throw new IllegalStateException(this + " was closed concurrently; nothing to downgrade");
        }
        ReadHold<T> read = new ReadHold<>(lock, l, now);
        if (l != null) {
            Listeners.acquire(l, lock, read, true, now, now, false, false);
        }
        return read;
    }

    @Override
    String kind() {
        return "WriteGuard";
    }
}
