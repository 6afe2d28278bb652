package io.ironfence.spring.web;

import org.jspecify.annotations.Nullable;
import org.springframework.web.context.request.RequestAttributes;
import org.springframework.web.context.request.RequestContextHolder;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * The results of annotated asynchronous calls that a Spring MVC request started and whose lock was
 * not granted yet, kept as a request attribute so that {@link WithdrawPendingLockRequests} can
 * cancel them when the request ends first: cancelling such a result withdraws its queued lock
 * request, and its method never runs.
 * <p>
 * Spring MVC completes an async request on timeout or error without cancelling the
 * {@code CompletableFuture} the controller returned (and the controller may have returned a
 * future derived from the annotated one, whose cancellation would not reach it), so the annotated
 * call's own result is what is kept.
 */
public final class PendingLockRequests {

    static final String ATTRIBUTE = PendingLockRequests.class.getName();

    private PendingLockRequests() {
    }

    /**
     * Remembers a queued call's result in the current request, if the calling thread is serving
     * one; otherwise does nothing.
     *
     * @param result the result the annotated method returned, not yet complete
     */
    public static void track(CompletableFuture<?> result) {
        RequestAttributes request = RequestContextHolder.getRequestAttributes();
        if (request == null) {
            return;
        }
        @SuppressWarnings("unchecked")
        List<CompletableFuture<?>> pending = (List<CompletableFuture<?>>) request.getAttribute(ATTRIBUTE,
                RequestAttributes.SCOPE_REQUEST);
        if (pending == null) {
            pending = new ArrayList<>(2);
            request.setAttribute(ATTRIBUTE, pending, RequestAttributes.SCOPE_REQUEST);
        }
        synchronized (pending) { // the request thread adds, a container thread may end the request
            pending.add(result);
        }
    }

    /**
     * Cancels the calls of a request that has ended; those already running or done are left alone
     * (a running method keeps its lock until its own result completes).
     *
     * @param pending the attribute's value, or null
     * @return how many queued calls were withdrawn
     */
    static int withdrawAll(@Nullable Object pending) {
        if (!(pending instanceof List<?> list)) {
            return 0;
        }
        List<?> copy;
        synchronized (list) {
            copy = new ArrayList<>(list);
            list.clear();
        }
        int withdrawn = 0;
        for (Object each : copy) {
            if (each instanceof CompletableFuture<?> future && future.cancel(false)) {
                withdrawn++;
            }
        }
        return withdrawn;
    }
}
