package io.ironfence;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * One queued request: a parked thread, or an asynchronous request's future. Links and the grant
 * list are guarded by the owning lock's queue lock; {@link #status} and {@link #signalled} are read
 * by the waiting thread without it.
 */
final class Waiter {

    private static final VarHandle STATUS;

    static {
        try {
            STATUS = MethodHandles.lookup().findVarHandle(Waiter.class, "status", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    static final boolean SHARED = true;
    static final boolean EXCLUSIVE = false;

    static final int WAITING = 0;
    static final int GRANTED = 1;
    static final int CANCELLED = 2;

    final boolean shared;
    /** The parked thread, or null for an asynchronous request. */
    final Thread thread;
    /** The future of an asynchronous request, or null. */
    final AsyncAcquisition<?> request;

    Waiter prev;
    Waiter next;
    Waiter nextGranted;
    /** When a blocking waiter queued (for HANDOFF); asynchronous waiters are not timed. */
    long queuedNanos;
    /** The granted hold's stamp; written before {@link #status} becomes GRANTED. */
    long stamp;

    /** WAITING, then GRANTED or CANCELLED, changed only under the queue lock. */
    volatile int status;
    /** Set when the free lock is offered to this head-of-queue writer, to compete for it. */
    volatile boolean signalled;

    Waiter(boolean shared, Thread thread, AsyncAcquisition<?> request) {
        this.shared = shared;
        this.thread = thread;
        this.request = request;
    }

    /**
     * Changes the status, under the queue lock. A release store is enough: readers outside the lock
     * only need the stamp written before it, and the queue lock's release (a full-fence CAS) follows
     * before anyone is woken. A plain volatile store would add a second full fence to every grant.
     */
    void setStatus(int status) {
        STATUS.setRelease(this, status);
    }
}
