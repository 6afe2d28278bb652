package io.ironfence.spring.aop;

import org.jspecify.annotations.Nullable;
import org.springframework.core.ParameterNameDiscoverer;
import org.springframework.expression.Expression;

import java.lang.reflect.Method;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

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

    private static final Pattern PARAMETER_REFERENCE = Pattern.compile("#(?:[ap](\\d+)|(\\w+))");

    /**
     * @return the declared type of the key when the expression is just a parameter ({@code #id},
     *         {@code #p0}, {@code #a0}), so start-up can check it; null when it cannot tell
     */
    @Nullable Class<?> keyParameterType(ParameterNameDiscoverer parameterNames) {
        Matcher reference = key != null ? PARAMETER_REFERENCE.matcher(keySource.trim()) : null;
        if (reference == null || !reference.matches()) {
            return null;
        }
        Class<?>[] types = method.getParameterTypes();
        if (reference.group(1) != null) {
            int index = Integer.parseInt(reference.group(1));
            return index < types.length ? types[index] : null;
        }
        String[] names = parameterNames.getParameterNames(method);
        if (names != null) {
            for (int i = 0; i < names.length; i++) {
                if (names[i].equals(reference.group(2))) {
                    return types[i];
                }
            }
        }
        return null;
    }
}
