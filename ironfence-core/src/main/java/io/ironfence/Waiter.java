package io.ironfence;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.CompletableFuture;

/**
 * One queued request: a parked thread, or an asynchronous request, which is then the very future its
 * caller holds ({@link AsyncAcquisition}). Links and the grant list are guarded by the owning lock's
 * queue lock; {@link #status} and {@link #signalled} are read by the waiting thread without it.
 * <p>
 * Every queue node is a {@link CompletableFuture} so that an asynchronous request is one object,
 * not a future plus a node (as in IBM async-util's {@code FairAsyncLock}): a blocking waiter carries
 * two unused future fields for that, an asynchronous grant one allocation and one indirection
 * less. The future half of a blocking waiter is never completed and never leaves the lock.
 *
 * @param <G> the guard type an asynchronous request completes with
 */
class Waiter<G> extends CompletableFuture<G> {

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

    Waiter<?> prev;
    Waiter<?> next;
    Waiter<?> nextGranted;
    /** When a blocking waiter queued (for HANDOFF); asynchronous waiters are not timed. */
    long queuedNanos;
    /** The granted hold's stamp; written before {@link #status} becomes GRANTED. */
    long stamp;
    /** The shared limit it took a place in as it queued, given back as it leaves; guarded by QUEUE_LOCK. */
    WaitingLimit limit;

    /**
     * WAITING, then GRANTED or CANCELLED, changed only under the queue lock (or, for a request
     * granted before it was ever queued, before the request is published).
     */
    volatile int status;
    /** Set when the free lock is offered to this head-of-queue writer, to compete for it. */
    volatile boolean signalled;

    /** A blocking waiter. */
    Waiter(boolean shared, Thread thread) {
        this.shared = shared;
        this.thread = thread;
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
