package io.ironfence.spring.aop;

import io.ironfence.annotation.ReadLocked;
import io.ironfence.annotation.WithLock;

import org.springframework.aop.support.AopUtils;
import org.springframework.boot.convert.DurationStyle;
import org.springframework.core.MethodClassKey;
import org.springframework.core.annotation.AnnotatedElementUtils;
import org.springframework.expression.Expression;
import org.springframework.expression.ParseException;
import org.springframework.expression.spel.standard.SpelExpressionParser;
import org.springframework.util.StringUtils;
import org.springframework.util.StringValueResolver;

import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * Finds and parses the {@link WithLock @WithLock} / {@link ReadLocked @ReadLocked} of a method:
 * on the method (or a method it overrides or implements), else on its class for public methods.
 * Each method is parsed once; a malformed timeout or a key that does not parse is an error that
 * names the method and says what to write instead.
 */
final class LockOperationSource {

    private final ConcurrentMap<MethodClassKey, Optional<LockOperation>> cache = new ConcurrentHashMap<>();
    private final SpelExpressionParser parser = new SpelExpressionParser();
    private final StringValueResolver placeholders;

    /** @param placeholders resolves {@code ${...}} in timeouts; null to take them literally */
    LockOperationSource(StringValueResolver placeholders) {
        this.placeholders = placeholders;
    }

    /**
     * @return the operation of the method as invoked on the target class, or null if it takes no lock
     * @throws IllegalStateException if the annotation is malformed
     */
    LockOperation operationFor(Method method, Class<?> targetClass) {
        MethodClassKey cacheKey = new MethodClassKey(method, targetClass);
        Optional<LockOperation> cached = cache.get(cacheKey);
        if (cached == null) {
            cached = Optional.ofNullable(parse(method, targetClass));
            cache.putIfAbsent(cacheKey, cached);
        }
        return cached.orElse(null);
    }

    /** @return whether the method itself (not its class) carries one of the annotations */
    static boolean isAnnotated(Method method) {
        return AnnotatedElementUtils.hasAnnotation(method, WithLock.class)
                || AnnotatedElementUtils.hasAnnotation(method, ReadLocked.class);
    }

    private LockOperation parse(Method method, Class<?> targetClass) {
        Method specific = targetClass != null ? AopUtils.getMostSpecificMethod(method, targetClass) : method;
        WithLock withLock = AnnotatedElementUtils.findMergedAnnotation(specific, WithLock.class);
        ReadLocked readLocked = AnnotatedElementUtils.findMergedAnnotation(specific, ReadLocked.class);
        if (withLock == null && readLocked == null) {
            if (!Modifier.isPublic(method.getModifiers()) || method.getDeclaringClass() == Object.class) {
                return null;
            }
            // find semantics search the type's superclasses and interfaces, the declaring class among them
            Class<?> type = targetClass != null ? targetClass : method.getDeclaringClass();
            withLock = AnnotatedElementUtils.findMergedAnnotation(type, WithLock.class);
            readLocked = AnnotatedElementUtils.findMergedAnnotation(type, ReadLocked.class);
        }
        if (withLock == null && readLocked == null) {
            return null;
        }
        String where = describe(specific);
        if (withLock != null && readLocked != null) {
            throw new IllegalStateException(where + " has both @WithLock(\"" + withLock.value() + "\") and @ReadLocked(\""
                    + readLocked.value() + "\"); a method takes one lock. Keep one of them.");
        }
        boolean shared = readLocked != null;
        String name = shared ? readLocked.value() : withLock.value();
        String key = shared ? readLocked.key() : withLock.key();
        String timeout = shared ? readLocked.timeout() : withLock.timeout();
        String description = (shared ? "@ReadLocked(\"" : "@WithLock(\"") + name + "\") on " + where;
        if (!StringUtils.hasText(name)) {
            throw new IllegalStateException(description + " has no lock name; name the lock, e.g. @WithLock(\"inventory\").");
        }
        return new LockOperation(name, shared, parseKey(key, description), key, parseTimeout(timeout, description),
                specific, description);
    }

    private Expression parseKey(String key, String description) {
        if (!StringUtils.hasText(key)) {
            return null;
        }
        try {
            return parser.parseExpression(key);
        } catch (ParseException e) {
            throw new IllegalStateException(description + ": key \"" + key + "\" is not a valid SpEL expression ("
                    + e.getMessage() + "). Write it over the arguments, e.g. key = \"#accountId\" or key = \"#p0\".", e);
        }
    }

    private Duration parseTimeout(String timeout, String description) {
        if (!StringUtils.hasText(timeout)) {
            return null;
        }
        String resolved = placeholders != null ? placeholders.resolveStringValue(timeout) : timeout;
        if (!StringUtils.hasText(resolved)) {
            return null; // a placeholder that resolved to nothing: the lock's default applies
        }
        Duration duration;
        try {
            duration = DurationStyle.detectAndParse(resolved.trim());
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException(description + ": timeout \"" + timeout + "\""
                    + (timeout.equals(resolved) ? "" : " (resolved to \"" + resolved + "\")")
                    + " is not a duration. Write it as \"500ms\", \"2s\" or ISO-8601 \"PT2S\".", e);
        }
        if (duration.isNegative() || duration.isZero()) {
            throw new IllegalStateException(description + ": timeout \"" + timeout + "\" must be a positive duration "
                    + "such as \"500ms\"; leave it empty to use the lock's configured timeout.");
        }
        return duration;
    }

    static String describe(Method method) {
        return method.getDeclaringClass().getName() + "." + method.getName() + "(..)";
    }
}
