package io.ironfence;

/**
 * Delivers grants to asynchronous waiters on the releasing thread without growing its stack.
 *
 * <p>Completing a waiter's future runs its continuation right here, and the continuation typically
 * closes its guard, which grants the lock to the next asynchronous waiter, whose continuation
 * closes its guard... A thread that is already delivering therefore only queues further grants, and
 * its outermost delivery runs them one after another (a trampoline): 100,000 chained waiters take
 * 100,000 iterations, not 100,000 stack frames. Each grant is delivered once (its waiter is in one
 * grant list only), so the intrusive {@link Waiter#nextGranted} link is safe to reuse here.
 *
 * <p>Words, as the core uses them: a <em>grant</em> is decided under the queue lock and
 * <em>delivered</em> here after it; the <em>hand-off</em> is the {@code HANDOFF} starvation mode of
 * {@link Sync}, in which releases pass the lock straight to the head of the queue; an <em>async
 * chain</em> is a run of asynchronous waiters each releasing to the next.
 */
final class GrantDelivery {

    private static final ThreadLocal<GrantDelivery> CURRENT = ThreadLocal.withInitial(GrantDelivery::new);

    private boolean delivering;
    private Waiter<?> first;
    private Waiter<?> last;

    private GrantDelivery() {
    }

    static void deliver(Waiter<?> granted) {
        GrantDelivery delivery = CURRENT.get();
        if (delivery.delivering) {
            delivery.enqueue(granted);
            return;
        }
        delivery.delivering = true;
        Throwable failure = null;
        try {
            for (Waiter<?> w = granted; w != null; w = delivery.poll()) {
                try {
                    ((AsyncAcquisition<?>) w).grant(w.stamp, true);
                } catch (Throwable t) {
                    // Keep delivering: a grant left undelivered would leave the lock held forever.
                    if (failure == null) {
                        failure = t;
                    } else {
                        failure.addSuppressed(t);
                    }
                }
            }
        } finally {
            delivery.delivering = false;
        }
        if (failure instanceof RuntimeException) {
            throw (RuntimeException) failure;
        } else if (failure instanceof Error) {
            throw (Error) failure;
        }
    }

    private void enqueue(Waiter<?> w) {
        if (last == null) {
            first = w;
        } else {
            last.nextGranted = w;
        }
        last = w;
    }

    private Waiter<?> poll() {
        Waiter<?> w = first;
        if (w != null) {
            first = w.nextGranted;
            if (first == null) {
                last = null;
            }
            w.nextGranted = null;
        }
        return w;
    }
}
