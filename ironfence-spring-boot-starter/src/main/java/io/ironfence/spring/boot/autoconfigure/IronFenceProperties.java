package io.ironfence.spring.boot.autoconfigure;

import io.ironfence.spring.LockScope;
import io.ironfence.spring.LockType;
import io.ironfence.spring.NamedLockRegistry;
import io.ironfence.spring.aop.LockAnnotationBeanPostProcessor;

import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.core.env.Environment;
import org.springframework.util.ClassUtils;

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
 *     owner:
 *       keyed: true         # one lock per key: @WithLock(value = "owner", key = "#ownerId")
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

    /**
     * Time after which a hold is logged once as a WARN (lock, holder, method) and flagged as stuck
     * by the locks endpoint, unless a lock sets its own threshold.
     */
    private Duration warnHeldLongerThan = Duration.ofSeconds(30);

    /**
     * Whether the stuck-hold warning carries the stack trace of where the lock was taken (blocking
     * holds only). Costs a stack walk per acquisition: for hunting a leak, not for production.
     */
    private boolean captureAcquisitionStackTrace = false;

    /** Named locks, each registered as a bean qualified by its name. */
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

    public Duration getWarnHeldLongerThan() {
        return warnHeldLongerThan;
    }

    public void setWarnHeldLongerThan(Duration warnHeldLongerThan) {
        this.warnHeldLongerThan = warnHeldLongerThan;
    }

    public boolean isCaptureAcquisitionStackTrace() {
        return captureAcquisitionStackTrace;
    }

    public void setCaptureAcquisitionStackTrace(boolean captureAcquisitionStackTrace) {
        this.captureAcquisitionStackTrace = captureAcquisitionStackTrace;
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

        /** Kind of lock: mutex (exclusive) or rwlock (shared reads, exclusive writes). */
        private LockType type = LockType.MUTEX;

        /**
         * How long annotated methods wait for this lock when their annotation sets no timeout.
         * Unset: they wait without limit.
         */
        private @Nullable Duration timeout;

        /** Time after which a hold is logged and flagged as stuck. Unset: ironfence.warn-held-longer-than. */
        private @Nullable Duration warnHeldLongerThan;

        /**
         * Whether the name is one lock per key: every annotation on it has a key, and its bean is a
         * KeyedLock that locks by key. When false it is a single lock, and no annotation on it may
         * have a key.
         */
        private boolean keyed = false;

        /**
         * Where the lock holds: local (this JVM) or cluster (every instance of the service, on
         * PostgreSQL advisory locks, with module io.ironfence:ironfence-cluster).
         */
        private LockScope scope = LockScope.LOCAL;

        public LockType getType() {
            return type;
        }

        public void setType(LockType type) {
            this.type = type;
        }

        public @Nullable Duration getTimeout() {
            return timeout;
        }

        public void setTimeout(@Nullable Duration timeout) {
            this.timeout = timeout;
        }

        public @Nullable Duration getWarnHeldLongerThan() {
            return warnHeldLongerThan;
        }

        public void setWarnHeldLongerThan(@Nullable Duration warnHeldLongerThan) {
            this.warnHeldLongerThan = warnHeldLongerThan;
        }

        public boolean isKeyed() {
            return keyed;
        }

        public void setKeyed(boolean keyed) {
            this.keyed = keyed;
        }

        public LockScope getScope() {
            return scope;
        }

        public void setScope(LockScope scope) {
            this.scope = scope;
        }
    }

    /** How the annotations are applied. */
    public static class Aop {

        /**
         * Order of the lock advisor among a bean's advisors: lower runs further out. By default the
         * lock is taken outside transactions of the default order, so it is held until the commit.
         * Set it above the transaction advisor's order to lock inside the transaction instead.
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

    /** @return a registry of the declared locks, with the monitoring defaults */
    NamedLockRegistry newRegistry() {
        NamedLockRegistry registry = new NamedLockRegistry(definitions(), strict);
        registry.setDefaultWarnHeldLongerThan(warnHeldLongerThan);
        registry.setCaptureAcquisitionStackTraces(captureAcquisitionStackTrace);
        return registry;
    }

    /**
     * A name declared {@code scope: cluster} must never be served by a local lock, which would
     * stop protecting anything at the second instance without a word: until the starter wires
     * the cluster module in, such a declaration fails the start-up and says what to do.
     */
    private static IllegalStateException clusterScopeUnavailable(String name) {
        boolean moduleThere = ClassUtils.isPresent("io.ironfence.cluster.ClusterRWLock",
                IronFenceProperties.class.getClassLoader());
        return new IllegalStateException("ironfence.locks." + name + ".scope=cluster, but " + (moduleThere
                ? "this version of the starter does not yet apply cluster scope to annotations and lock beans. "
                        + "Use io.ironfence.cluster.ClusterRWLock (or ClusterLock) from code for now, or set scope "
                        + "to local; a local lock would stop protecting anything at the second instance."
                : "io.ironfence:ironfence-cluster is not on the class path. Add that dependency (and a PostgreSQL "
                        + "URL), or set scope to local."));
    }

    /** @return the declared locks as the registry takes them, with a message naming a bad property */
    Map<String, NamedLockRegistry.Definition> definitions() {
        Map<String, NamedLockRegistry.Definition> definitions = new LinkedHashMap<>();
        locks.forEach((name, lock) -> {
            if (lock.getScope() == LockScope.CLUSTER) {
                throw clusterScopeUnavailable(name);
            }
            try {
                definitions.put(name, new NamedLockRegistry.Definition(lock.getType(), lock.getTimeout(),
                        lock.getWarnHeldLongerThan(), lock.isKeyed()));
            } catch (IllegalArgumentException e) {
                throw new IllegalStateException("Invalid ironfence.locks." + name + ": " + e.getMessage()
                        + ". Set type to mutex or rwlock, and timeout and warn-held-longer-than to positive durations "
                        + "such as 500ms (or leave them unset).", e);
            }
        });
        return definitions;
    }
}
