package io.ironfence.spring.boot.test.autoconfigure;

import org.springframework.boot.autoconfigure.ImportAutoConfiguration;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Adds IronFence's auto-configuration (lock registry and beans, the lock annotations, meters and
 * the {@code locks} endpoint) to a test slice that does not include it.
 * <p>
 * The slices where annotated beans usually live include it already: {@code @WebMvcTest},
 * {@code @WebFluxTest}, {@code @GraphQlTest}, {@code @RestClientTest}, {@code @DataJpaTest},
 * {@code @DataJdbcTest}, {@code @DataMongoTest}, {@code @DataR2dbcTest} and
 * {@code @DataRedisTest}. Add this annotation to any other slice whose beans carry
 * {@code @WithLock} or {@code @ReadLocked}, or they run unlocked in that test:
 *
 * <pre>{@code
 * @JsonTest
 * @AutoConfigureIronFence
 * class ReceiptJsonTest { ... }
 * }</pre>
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Documented
@Inherited
@ImportAutoConfiguration
public @interface AutoConfigureIronFence {
}
