package io.ironfence;

/**
 * One queued request: a parked thread, or an asynchronous request's future. Links and the grant
 * list are guarded by the owning lock's queue lock; {@link #status} and {@link #signalled} are read
 * by the waiting thread without it.
 */
final class Waiter {

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
}
