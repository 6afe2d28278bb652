package io.ironfence.spring.aop;

import io.ironfence.annotation.ReadLocked;
import io.ironfence.annotation.WithLock;

import org.jspecify.annotations.Nullable;
import org.springframework.aop.support.AopUtils;
import org.springframework.boot.convert.DurationStyle;
import org.springframework.core.annotation.AnnotatedElementUtils;
import org.springframework.expression.Expression;
import org.springframework.expression.ParseException;
import org.springframework.expression.spel.standard.SpelExpressionParser;
import org.springframework.util.ClassUtils;
import org.springframework.util.StringUtils;
import org.springframework.util.StringValueResolver;

import java.lang.reflect.AnnotatedElement;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.Arrays;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * Finds and parses the {@link WithLock @WithLock} / {@link ReadLocked @ReadLocked} of a method as a
 * caller reaches it. Each (method, target class, proxy class) is parsed once; a malformed timeout
 * or a key that does not parse is an error that names the method and says what to write instead.
 * <p>
 * The search follows Spring's own for {@code @Transactional} and {@code @Cacheable}
 * ({@code AbstractFallbackTransactionAttributeSource}), because the annotation a user writes is
 * often not on the class that runs the call:
 * <ol>
 *   <li>the method as implemented by the target class (and what it overrides or implements);</li>
 *   <li>the method as invoked, which for an interface-based proxy is the interface's declaration:
 *       a Spring Data repository runs {@code findAll()} in {@code SimpleJpaRepository}, whose
 *       hierarchy does not include the user's repository interface that redeclares it;</li>
 *   <li>the declarations of the same method in the interfaces of a JDK proxy;</li>
 *   <li>for public methods only, the type: the target class, the method's declaring type, and the
 *       proxy's interfaces that include the method ({@code @ReadLocked} on a repository interface
 *       covers {@code findById} inherited from {@code CrudRepository}).</li>
 * </ol>
 */
final class LockOperationSource {

    private final ConcurrentMap<CacheKey, Optional<LockOperation>> cache = new ConcurrentHashMap<>();
    private final SpelExpressionParser parser = new SpelExpressionParser();
    private final @Nullable StringValueResolver placeholders;

    /** @param placeholders resolves {@code ${...}} in timeouts; null to take them literally */
    LockOperationSource(@Nullable StringValueResolver placeholders) {
        this.placeholders = placeholders;
    }

    /**
     * @param method      the method as invoked
     * @param targetClass the class of the object the call runs on, or null (a proxy with no target)
     * @param proxyClass  the JDK proxy class callers call through, whose interfaces may carry the
     *                    annotation although the target class does not implement them; or null
     * @return the operation of the method, or null if it takes no lock
     * @throws IllegalStateException if the annotation is malformed
     */
    @Nullable LockOperation operationFor(Method method, @Nullable Class<?> targetClass, @Nullable Class<?> proxyClass) {
        if (targetClass != null && Proxy.isProxyClass(targetClass)) {
            // A proxy around a proxy (say @Cacheable around a Spring Data repository): the inner
            // proxy's interfaces are what callers see, and it has no methods of the user's own.
            proxyClass = proxyClass != null ? proxyClass : targetClass;
            targetClass = null;
        }
        CacheKey cacheKey = new CacheKey(method, targetClass, proxyClass);
        Optional<LockOperation> cached = cache.get(cacheKey);
        if (cached == null) {
            cached = Optional.ofNullable(parse(method, targetClass, proxyClass));
            cache.putIfAbsent(cacheKey, cached);
        }
        return cached.orElse(null);
    }

    /** @return whether the method itself (not its type) carries one of the annotations */
    static boolean isAnnotated(Method method) {
        return AnnotatedElementUtils.hasAnnotation(method, WithLock.class)
                || AnnotatedElementUtils.hasAnnotation(method, ReadLocked.class);
    }

    private record CacheKey(Method method, @Nullable Class<?> targetClass, @Nullable Class<?> proxyClass) {
    }

    /** The annotations found on one element, and where, as a user reads it. */
    private record Found(@Nullable WithLock withLock, @Nullable ReadLocked readLocked, Method method, String where) {

        /** On a method: its parameter names are the ones the key expression uses. */
        static @Nullable Found on(Method method) {
            return on(method, method, describe(method));
        }

        static @Nullable Found on(AnnotatedElement element, Method method, String where) {
            WithLock withLock = AnnotatedElementUtils.findMergedAnnotation(element, WithLock.class);
            ReadLocked readLocked = AnnotatedElementUtils.findMergedAnnotation(element, ReadLocked.class);
            return withLock != null || readLocked != null ? new Found(withLock, readLocked, method, where) : null;
        }
    }

    private @Nullable LockOperation parse(Method method, @Nullable Class<?> targetClass, @Nullable Class<?> proxyClass) {
        if (method.getDeclaringClass() == Object.class) {
            return null;
        }
        Method specific = targetClass != null ? AopUtils.getMostSpecificMethod(method, targetClass) : method;
        Found found = Found.on(specific);
        if (found == null && specific != method) {
            found = Found.on(method);
        }
        Class<?>[] proxyInterfaces = proxyInterfacesDeclaring(method, proxyClass);
        if (found == null) {
            found = onProxyInterfaces(method, proxyInterfaces);
        }
        if (found == null && Modifier.isPublic(method.getModifiers()) && ClassUtils.isUserLevelMethod(method)) {
            found = onType(targetClass, specific);
            if (found == null) {
                found = onType(method.getDeclaringClass(), specific);
            }
            for (int i = 0; found == null && i < proxyInterfaces.length; i++) {
                found = onType(proxyInterfaces[i], specific);
            }
        }
        return found != null ? toOperation(found) : null;
    }

    /** A proxy interface may redeclare the method with the annotation (a covariant return, say). */
    private static @Nullable Found onProxyInterfaces(Method method, Class<?>[] proxyInterfaces) {
        for (Class<?> type : proxyInterfaces) {
            for (Method declared : type.getMethods()) {
                if (declared.getName().equals(method.getName())
                        && Arrays.equals(declared.getParameterTypes(), method.getParameterTypes())) {
                    Found found = Found.on(declared);
                    if (found != null) {
                        return found;
                    }
                }
            }
        }
        return null;
    }

    private static @Nullable Found onType(@Nullable Class<?> type, Method method) {
        // find semantics search the type's superclasses and interfaces too
        return type != null ? Found.on(type, method, type.getName() + "." + method.getName() + "(..)") : null;
    }

    /** The interfaces of the JDK proxy through which callers reach the method. */
    private static Class<?>[] proxyInterfacesDeclaring(Method method, @Nullable Class<?> proxyClass) {
        if (proxyClass == null) {
            return new Class<?>[0];
        }
        return Arrays.stream(proxyClass.getInterfaces())
                .filter(type -> method.getDeclaringClass().isAssignableFrom(type))
                .toArray(Class<?>[]::new);
    }

    private LockOperation toOperation(Found found) {
        WithLock withLock = found.withLock();
        ReadLocked readLocked = found.readLocked();
        String where = found.where();
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
                found.method(), description);
    }

    private @Nullable Expression parseKey(String key, String description) {
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

    private @Nullable Duration parseTimeout(String timeout, String description) {
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
