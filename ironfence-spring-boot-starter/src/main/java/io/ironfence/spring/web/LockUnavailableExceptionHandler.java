package io.ironfence.spring.web;

import io.ironfence.LockQueueFullException;
import io.ironfence.LockUnavailableException;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.ControllerAdvice;
import org.springframework.web.bind.annotation.ExceptionHandler;

import java.time.Duration;

/**
 * Answers a web request whose lock could not be had ({@link io.ironfence.LockTimeoutException},
 * {@link LockQueueFullException}) with {@code 503 Service Unavailable}, a {@code Retry-After} header
 * and a {@link ProblemDetail} body, in Spring MVC and WebFlux alike. Nothing ran under the lock, so
 * the client may retry.
 * <p>
 * It comes last ({@link Ordered#LOWEST_PRECEDENCE}, registered after the application's beans): an
 * {@code @ExceptionHandler} of the controller, or of an application {@code @ControllerAdvice}
 * that handles these exceptions (or a supertype of them), answers instead. The body names neither
 * the lock nor the method (they are the service's internals); the log does, at DEBUG.
 */
@ControllerAdvice
@Order(Ordered.LOWEST_PRECEDENCE)
public class LockUnavailableExceptionHandler {

    private static final Log logger = LogFactory.getLog(LockUnavailableExceptionHandler.class);

    private final String retryAfterSeconds;

    /** @param retryAfter how long clients are told to wait before they retry (whole seconds, at least 1) */
    public LockUnavailableExceptionHandler(Duration retryAfter) {
        long seconds = Math.max(1L, (retryAfter.toMillis() + 999L) / 1000L);
        this.retryAfterSeconds = Long.toString(seconds);
    }

    /**
     * @param ex the lock's refusal
     * @return 503 with Retry-After and a problem detail
     */
    @ExceptionHandler(LockUnavailableException.class)
    public ResponseEntity<ProblemDetail> lockUnavailable(LockUnavailableException ex) {
        if (logger.isDebugEnabled()) {
            logger.debug("Answering 503: " + ex.getMessage());
        }
        boolean full = ex instanceof LockQueueFullException;
        ProblemDetail problem = ProblemDetail.forStatusAndDetail(HttpStatus.SERVICE_UNAVAILABLE,
                (full ? "Too many requests are waiting for a resource this request needs"
                        : "A resource this request needs stayed busy for too long")
                        + "; retry after " + retryAfterSeconds + " s.");
        problem.setProperty("reason", full ? "queue-full" : "timeout");
        return ResponseEntity.status(HttpStatus.SERVICE_UNAVAILABLE)
                .header(HttpHeaders.RETRY_AFTER, retryAfterSeconds)
                .body(problem);
    }
}
