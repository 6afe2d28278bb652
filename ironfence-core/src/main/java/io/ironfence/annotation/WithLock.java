package io.ironfence.annotation;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Runs the annotated method (or every public method of the annotated type) while holding a named
 * lock exclusively: a {@code Mutex}, or an {@code RWLock}'s write lock. Applied by the IronFence
 * Spring Boot starter.
 *
 * <pre>{@code
 * @WithLock("inventory")
 * public void restock(String sku, int qty) { ... }
 *
 * @WithLock(value = "account", key = "#accountId")
 * public CompletableFuture<Receipt> pay(String accountId, long cents) { ... }  // held until the future completes
 * }</pre>
 *
 * <p>Methods returning {@code CompletionStage}/{@code CompletableFuture} (or Reactor's
 * {@code Mono}/{@code Flux}) acquire without blocking a thread and hold the lock until the result
 * completes, fails or is cancelled.
 */
@Target({ElementType.METHOD, ElementType.TYPE})
@Retention(RetentionPolicy.RUNTIME)
@Documented
@Inherited
public @interface WithLock {

    /** @return the lock's name */
    String value();

    /**
     * @return a SpEL expression over the method's arguments ({@code #name}, {@code #p0},
     *         {@code #root.args}) selecting one lock per key value; empty for the single lock of
     *         that name
     */
    String key() default "";

    /**
     * @return the longest wait, as {@code "500ms"}, {@code "2s"}, ISO-8601 ({@code "PT2S"}) or a
     *         {@code ${placeholder}}; empty for the lock's configured default, else no limit
     */
    String timeout() default "";
}
