package io.ironfence.spring.boot.autoconfigure;

import io.ironfence.spring.LockRegistry;
import io.ironfence.spring.LockType;
import io.ironfence.spring.aop.LockAnnotationBeanPostProcessor;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.core.env.Environment;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * IronFence's configuration, under {@code ironfence.}:
 *
 * <pre>
 * ironfence:
 *   locks:
 *     inventory:
 *       type: rwlock        # mutex (default) or rwlock
 *       timeout: 250ms      # default for annotations that set none; unset: wait without limit
 * </pre>
 */
@ConfigurationProperties(prefix = IronFenceProperties.PREFIX)
public class IronFenceProperties {

    /** The prefix of IronFence's properties. */
    public static final String PREFIX = "ironfence";

    /** Whether to auto-configure IronFence: the lock registry, lock beans and the annotations. */
    private boolean enabled = true;

    /**
     * Whether every lock name used by an annotation must be declared (under ironfence.locks, or as a
     * Mutex or RWLock bean). When false, an undeclared name is created on first use.
     */
    private boolean strict = false;

    /** Named locks, each registered as a bean of that name. */
    private Map<String, Lock> locks = new LinkedHashMap<>();

    private final Aop aop = new Aop();

    public boolean isEnabled() {
        return enabled;
    }

    public void setEnabled(boolean enabled) {
        this.enabled = enabled;
    }

    public boolean isStrict() {
        return strict;
    }

    public void setStrict(boolean strict) {
        this.strict = strict;
    }

    public Map<String, Lock> getLocks() {
        return locks;
    }

    public void setLocks(Map<String, Lock> locks) {
        this.locks = locks;
    }

    public Aop getAop() {
        return aop;
    }

    /** One named lock. */
    public static class Lock {

        /** The kind of lock: mutex (exclusive) or rwlock (shared reads, exclusive writes). */
        private LockType type = LockType.MUTEX;

        /**
         * How long annotated methods wait for this lock when their annotation sets no timeout.
         * Unset: they wait without limit.
         */
        private Duration timeout;

        public LockType getType() {
            return type;
        }

        public void setType(LockType type) {
            this.type = type;
        }

        public Duration getTimeout() {
            return timeout;
        }

        public void setTimeout(Duration timeout) {
            this.timeout = timeout;
        }
    }

    /** How the annotations are applied. */
    public static class Aop {

        /**
         * Order of the lock advisor among a bean's advisors: lower runs further out. The default
         * (Ordered.LOWEST_PRECEDENCE - 100) takes the lock outside transactions of the default
         * order, so it is held until the commit. Set it above the transaction advisor's order to
         * lock inside the transaction instead.
         */
        private int order = LockAnnotationBeanPostProcessor.DEFAULT_ORDER;

        public int getOrder() {
            return order;
        }

        public void setOrder(int order) {
            this.order = order;
        }
    }

    /**
     * Binds the properties straight from the environment, for the infrastructure beans that exist
     * before configuration-properties binding does (bean post-processors and their dependencies).
     */
    static IronFenceProperties bind(Environment environment) {
        return Binder.get(environment).bindOrCreate(PREFIX, IronFenceProperties.class);
    }

    /** @return the declared locks as the registry takes them, with a message naming a bad property */
    Map<String, LockRegistry.Definition> definitions() {
        Map<String, LockRegistry.Definition> definitions = new LinkedHashMap<>();
        locks.forEach((name, lock) -> {
            try {
                definitions.put(name, new LockRegistry.Definition(lock.getType(), lock.getTimeout()));
            } catch (IllegalArgumentException e) {
                throw new IllegalStateException("Invalid ironfence.locks." + name + ": " + e.getMessage()
                        + ". Set type to mutex or rwlock and timeout to a positive duration such as 500ms, "
                        + "or leave timeout unset to wait without limit.", e);
            }
        });
        return definitions;
    }
}
