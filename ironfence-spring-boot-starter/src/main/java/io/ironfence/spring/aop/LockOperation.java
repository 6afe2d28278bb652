package io.ironfence.spring.aop;

import org.jspecify.annotations.Nullable;
import org.springframework.expression.Expression;

import java.lang.reflect.Method;
import java.time.Duration;

/**
 * What an annotated method asks for, parsed and checked once at start-up: the lock's name, the
 * mode, the key expression (null: the single lock of the name) and the timeout (null: the lock's
 * configured default, else no limit).
 *
 * @param name        the lock's name
 * @param shared      whether it takes a read lock ({@code @ReadLocked})
 * @param key         the parsed key expression, or null
 * @param keySource   the key expression as written, for messages
 * @param timeout     the annotation's timeout, or null
 * @param method      the annotated method
 * @param description the annotation and method as a user reads them, for messages
 */
record LockOperation(String name, boolean shared, @Nullable Expression key, String keySource,
        @Nullable Duration timeout, Method method, String description) {
}
