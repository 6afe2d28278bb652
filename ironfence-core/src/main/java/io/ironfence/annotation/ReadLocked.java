package io.ironfence.annotation;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Runs the annotated method (or every public method of the annotated type) while holding a named
 * {@code RWLock}'s read lock, shared with other readers. Applied by the IronFence Spring Boot
 * starter; attributes as for {@link WithLock}.
 *
 * <pre>{@code
 * @ReadLocked(value = "inventory", timeout = "250ms")
 * public int stock(String sku) { ... }
 * }</pre>
 */
@Target({ElementType.METHOD, ElementType.TYPE})
@Retention(RetentionPolicy.RUNTIME)
@Documented
@Inherited
public @interface ReadLocked {

    /** @return the lock's name; it must name an {@code RWLock} (or an undeclared name) */
    String value();

    /** @return a SpEL key expression, as for {@link WithLock#key()} */
    String key() default "";

    /** @return the longest wait, as for {@link WithLock#timeout()} */
    String timeout() default "";
}
