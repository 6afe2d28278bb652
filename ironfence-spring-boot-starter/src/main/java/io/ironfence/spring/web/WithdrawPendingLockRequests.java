package io.ironfence.spring.web;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.springframework.web.context.request.NativeWebRequest;
import org.springframework.web.context.request.RequestAttributes;
import org.springframework.web.context.request.async.DeferredResult;
import org.springframework.web.context.request.async.DeferredResultProcessingInterceptor;

/**
 * Withdraws the queued lock requests of a Spring MVC async request (a controller returning a
 * {@code CompletableFuture} or {@code DeferredResult}) when the request times out or fails (the
 * container noticed the client had gone) before they were granted: their methods never run for a
 * client that is no longer there, and they stop holding places in the lock's queue. A request that
 * is answered normally withdraws nothing: a call it started and did not wait for goes on.
 *
 * @see PendingLockRequests
 */
public final class WithdrawPendingLockRequests implements DeferredResultProcessingInterceptor {

    private static final Log logger = LogFactory.getLog(WithdrawPendingLockRequests.class);

    @Override
    public <T> boolean handleTimeout(NativeWebRequest request, DeferredResult<T> deferredResult) {
        withdraw(request, "timed out");
        return true;
    }

    @Override
    public <T> boolean handleError(NativeWebRequest request, DeferredResult<T> deferredResult, Throwable t) {
        withdraw(request, "failed");
        return true;
    }

    private static void withdraw(NativeWebRequest request, String how) {
        int withdrawn = PendingLockRequests.withdrawAll(
                request.getAttribute(PendingLockRequests.ATTRIBUTE, RequestAttributes.SCOPE_REQUEST));
        if (withdrawn > 0 && logger.isDebugEnabled()) {
            logger.debug("Async request " + how + " before its lock was granted: withdrew " + withdrawn
                    + " queued lock request(s) of " + request.getDescription(false));
        }
    }
}
