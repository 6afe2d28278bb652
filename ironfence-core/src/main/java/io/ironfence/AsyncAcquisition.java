package io.ironfence;

import io.ironfence.spi.LockListener;
import io.ironfence.spi.WaitOutcome;

import org.jspecify.annotations.Nullable;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.Supplier;

/**
 * The future returned by {@code lockAsync()}, {@code readAsync()} and {@code writeAsync()}.
 *
 * <p>It belongs to the caller, who may cancel it, complete it or obtrude on it; none of that can
 * corrupt the lock, because the queue never trusts the future's state (IBM async-util's
 * {@code AsyncLock} handed out its internal future, and a caller's {@code complete()} corrupted its
 * queue). The queue entry has its own status, changed under the queue lock:
 * <ul>
 *   <li>a caller who completes or cancels the future withdraws the queued request, before any
 *       dependent stage runs;</li>
 *   <li>a grant that finds the future already completed by its caller is passed on at once;</li>
 *   <li>obtruding on a future that the lock was granted to is refused, since it would throw the guard
 *       away with the lock still held.</li>
 * </ul>
 */
final class AsyncAcquisition<G extends Guard<?>> extends Waiter<G> {

    private final Sync lock;
    private final LockListener listener;
    private final long requestNanos;
    /** The JFR event of a wait that queued, or null; set before the request is queued (see Sync#acquireAsync). */
    @Nullable Object waitEvent;
    /** The listeners' context of a wait that queued, or null; set as {@link #waitEvent} is. */
    @Nullable Object queuedContext;

    AsyncAcquisition(Sync lock, boolean shared, LockListener listener, long requestNanos) {
        super(shared, null);
        this.lock = lock;
        this.listener = listener;
        this.requestNanos = requestNanos;
    }

    /** Completes this future with a new guard; if the caller completed it first, releases at once. */
    @SuppressWarnings("unchecked")
    void grant(long stamp, boolean waited) {
        if (waited) {
            lock.queuedWaitEnded(waitEvent, listener, queuedContext, shared, WaitOutcome.ACQUIRED);
        }
        long granted = listener == null ? 0L : Listeners.now(listener);
        G guard = (G) lock.newHold(shared, stamp, listener, granted);
        if (listener != null) {
            Listeners.acquire(listener, lock, guard, shared, requestNanos, granted, waited, true);
        }
        if (!super.complete(guard)) {
            guard.close(); // nobody can receive this grant: pass the lock on
        }
    }

    /** Fails this never-queued request: the wait queue was full. */
    void reject(LockQueueFullException full) {
        setStatus(CANCELLED); // a later cancel by the caller must find nothing to withdraw
        lock.giveUp(listener, shared, WaitOutcome.REJECTED, requestNanos);
        super.completeExceptionally(full);
    }

    // A caller completing or cancelling the future withdraws the request first, so that it has left
    // the queue before any dependent stage runs. If the grant won the race, withdrawing does nothing
    // and the grant, finding the future completed, passes the lock on.

    @Override
    public boolean complete(G value) {
        withdraw();
        return super.complete(value);
    }

    @Override
    public boolean completeExceptionally(Throwable ex) {
        withdraw();
        return super.completeExceptionally(ex);
    }

    @Override
    public boolean cancel(boolean mayInterruptIfRunning) {
        withdraw();
        return super.cancel(mayInterruptIfRunning);
    }

    /**
     * Runs the supplier on the executor and completes this future through {@link #complete}, so the
     * request is withdrawn (the inherited version completes without a public method we could see).
     */
    @Override
    public CompletableFuture<G> completeAsync(Supplier<? extends G> supplier, Executor executor) {
        if (supplier == null || executor == null) {
            throw new NullPointerException();
        }
        executor.execute(() -> {
            try {
                complete(supplier.get());
            } catch (Throwable t) {
                completeExceptionally(t);
            }
        });
        return this;
    }

    /**
     * @throws IllegalStateException if the lock has been granted to this future: the guard would be
     *                               lost with the lock still held. Close the guard instead.
     */
    @Override
    public void obtrudeValue(G value) {
        checkObtrusionAllowed();
        super.obtrudeValue(value);
    }

    /**
     * @throws IllegalStateException if the lock has been granted to this future: the guard would be
     *                               lost with the lock still held. Close the guard instead.
     */
    @Override
    public void obtrudeException(Throwable ex) {
        checkObtrusionAllowed();
        super.obtrudeException(ex);
    }

    private void checkObtrusionAllowed() {
        int status = lock.withdraw(this);
        if (status == GRANTED) {
            throw new IllegalStateException("The lock " + lock.getName() + " has been granted to this future; "
                    + "obtruding would lose the guard and leave the lock held. Close the guard instead");
        }
        if (status == WAITING) {
            withdrawn();
        }
    }

    private void withdraw() {
        // Under the queue lock, never on a look at the status without it: a grant may still be
        // undone (see Sync#dispatch).
        if (lock.withdraw(this) == WAITING) {
            withdrawn();
        }
    }

    /** This call took the request out of the queue: it ends as cancelled, for JFR and listeners. */
    private void withdrawn() {
        lock.queuedWaitEnded(waitEvent, listener, queuedContext, shared, WaitOutcome.CANCELLED);
        lock.giveUp(listener, shared, WaitOutcome.CANCELLED, requestNanos);
    }

    @Override
    public String toString() {
        // CompletableFuture#toString would print the guard, which is harmless, but keep the shape of
        // the other IronFence types: the lock's name and the request's state, never the value.
        String state = isCancelled() ? "cancelled" : isCompletedExceptionally() ? "failed"
                : isDone() ? "completed" : "waiting";
        return "LockRequest[" + lock.getName() + ", " + Sync.mode(shared).tagValue() + ", " + state + "]";
    }
}
