package io.ironfence.spring.boot.autoconfigure;

import io.ironfence.spring.LockOrderPolicy;
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
 *       timeout: 250ms      # default for annotations that set none; unset: ironfence.timeout
 *       max-waiting: 100    # requests beyond 100 waiting fail at once; unset: ironfence.max-waiting
 *     owner:
 *       keyed: true         # one lock per key: @WithLock(value = "owner", key = "#ownerId")
 *     payouts:
 *       scope: cluster      # across every instance (io.ironfence:ironfence-cluster, ironfence.cluster.*)
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

    /**
     * How long annotated methods wait for a lock when neither their annotation nor the lock sets
     * a timeout. Unset: they wait without limit.
     */
    private @Nullable Duration timeout;

    /**
     * How many requests may wait for one lock (for a keyed lock: for one key) before further
     * requests fail at once with LockQueueFullException, for locks that set no max-waiting of
     * their own. Applies to the locks the starter creates (declared in properties or on first
     * use), not to the application's own Mutex and RWLock beans, nor to cluster-scoped names.
     */
    private int maxWaiting = NamedLockRegistry.DEFAULT_MAX_WAITING;

    /**
     * How many requests may wait for the keys of one keyed lock together, for keyed locks that set
     * no max-waiting-total of their own.
     */
    private int maxWaitingTotal = NamedLockRegistry.DEFAULT_MAX_WAITING_TOTAL;

    /**
     * What to do when annotated methods nest two locks in the opposite order to an earlier nesting
     * (A then B somewhere, B then A now), which can deadlock: off, warn (log once per pair of
     * names) or throw (LockOrderException, before waiting).
     */
    private LockOrderPolicy lockOrder = LockOrderPolicy.WARN;

    /** Named locks, each registered as a bean qualified by its name. */
    private Map<String, Lock> locks = new LinkedHashMap<>();

    private final Aop aop = new Aop();

    private final Cluster cluster = new Cluster();

    private final Web web = new Web();

    private final Observations observations = new Observations();

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

    public @Nullable Duration getTimeout() {
        return timeout;
    }

    public void setTimeout(@Nullable Duration timeout) {
        this.timeout = timeout;
    }

    public int getMaxWaiting() {
        return maxWaiting;
    }

    public void setMaxWaiting(int maxWaiting) {
        this.maxWaiting = maxWaiting;
    }

    public int getMaxWaitingTotal() {
        return maxWaitingTotal;
    }

    public void setMaxWaitingTotal(int maxWaitingTotal) {
        this.maxWaitingTotal = maxWaitingTotal;
    }

    public LockOrderPolicy getLockOrder() {
        return lockOrder;
    }

    public void setLockOrder(LockOrderPolicy lockOrder) {
        this.lockOrder = lockOrder;
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

    public Cluster getCluster() {
        return cluster;
    }

    public Web getWeb() {
        return web;
    }

    public Observations getObservations() {
        return observations;
    }

    /** Micrometer Observation of waits that queue. */
    public static class Observations {

        /**
         * Whether a wait that has to queue is an ironfence.lock.queued Observation (a span, a child of
         * the caller's), when the application has an ObservationRegistry. Uncontended waits create none.
         */
        private boolean enabled = true;

        public boolean isEnabled() {
            return enabled;
        }

        public void setEnabled(boolean enabled) {
            this.enabled = enabled;
        }
    }

    /** Web applications: how a request that could not have its lock is answered. */
    public static class Web {

        /**
         * Whether a lock a web request could not have (timeout, full queue) answers 503 Service
         * Unavailable with Retry-After and a problem detail, unless the application handles the
         * exception itself; and whether a Spring MVC async request that times out or fails
         * withdraws the lock requests it left queued.
         */
        private boolean enabled = true;

        /** Retry-After of such a 503, in whole seconds (at least 1). */
        private Duration retryAfter = Duration.ofSeconds(1);

        public boolean isEnabled() {
            return enabled;
        }

        public void setEnabled(boolean enabled) {
            this.enabled = enabled;
        }

        public Duration getRetryAfter() {
            return retryAfter;
        }

        public void setRetryAfter(Duration retryAfter) {
            this.retryAfter = retryAfter;
        }
    }

    /** One named lock. */
    public static class Lock {

        /** Kind of lock: mutex (exclusive) or rwlock (shared reads, exclusive writes). */
        private LockType type = LockType.MUTEX;

        /**
         * How long annotated methods wait for this lock when their annotation sets no timeout.
         * Unset: ironfence.timeout.
         */
        private @Nullable Duration timeout;

        /**
         * How many requests may wait for this lock (for a keyed lock: for one key); a request that
         * finds that many waiting fails at once with LockQueueFullException, without running the
         * method. Readers and writers count alike. Unset: ironfence.max-waiting.
         */
        private @Nullable Integer maxWaiting;

        /**
         * For a keyed lock, how many requests may wait for all its keys together. Unset:
         * ironfence.max-waiting-total.
         */
        private @Nullable Integer maxWaitingTotal;

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

        public @Nullable Integer getMaxWaiting() {
            return maxWaiting;
        }

        public void setMaxWaiting(@Nullable Integer maxWaiting) {
            this.maxWaiting = maxWaiting;
        }

        public @Nullable Integer getMaxWaitingTotal() {
            return maxWaitingTotal;
        }

        public void setMaxWaitingTotal(@Nullable Integer maxWaitingTotal) {
            this.maxWaitingTotal = maxWaitingTotal;
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

    /** Cluster scope: the database whose advisory locks hold across instances, and how they are used. */
    public static class Cluster {

        /**
         * JDBC URL of the PostgreSQL database whose advisory locks the cluster-scoped locks use.
         * Unset: spring.datasource.url. Every instance of the service must use the same database,
         * directly (not through PgBouncer in transaction or statement pooling).
         */
        private @Nullable String url;

        /** Database user. Unset: spring.datasource.username. */
        private @Nullable String username;

        /** Database password. Unset: spring.datasource.password. */
        private @Nullable String password;

        /**
         * This instance's name on the server (pg_stat_activity.application_name), shown as the
         * holder by the locks endpoint. Unset: spring.application.name, the host name and the process id.
         */
        private @Nullable String instanceId;

        /**
         * Most database sessions the instance opens for cluster locks: one per key held or waited
         * for at the server. Callers beyond it wait in the local queue. Never taken from the
         * application's connection pool.
         */
        private int maxConnections = 16;

        /**
         * How often held sessions are probed: a lost hold is noticed within this plus the connect
         * timeout.
         */
        private Duration heartbeat = Duration.ofSeconds(2);

        /** How long opening a session, or a probe of a held one, may take. */
        private Duration connectTimeout = Duration.ofSeconds(5);

        /**
         * How many times in a row a release may pass the remote hold to a local waiter before it
         * releases it to the server, where other instances wait (0: always release to the server).
         */
        private int maxLocalHandoffs = 8;

        /**
         * Most keys the instance's cluster locks use at once (held or waited for). A request for a
         * new key beyond it fails at once: each live key can take a session and a slot in the
         * server's lock table, which every database of the server shares.
         */
        private int maxKeys = 10_000;

        /**
         * Whether grants carry fencing tokens (a counter table, and a durable write per grant).
         * Turn it off for locks that only save duplicate work, where no resource checks tokens:
         * fencingToken() then answers -1.
         */
        private boolean fencingTokens = true;

        public boolean isFencingTokens() {
            return fencingTokens;
        }

        public void setFencingTokens(boolean fencingTokens) {
            this.fencingTokens = fencingTokens;
        }

        public @Nullable String getUrl() {
            return url;
        }

        public void setUrl(@Nullable String url) {
            this.url = url;
        }

        public @Nullable String getUsername() {
            return username;
        }

        public void setUsername(@Nullable String username) {
            this.username = username;
        }

        public @Nullable String getPassword() {
            return password;
        }

        public void setPassword(@Nullable String password) {
            this.password = password;
        }

        public @Nullable String getInstanceId() {
            return instanceId;
        }

        public void setInstanceId(@Nullable String instanceId) {
            this.instanceId = instanceId;
        }

        public int getMaxConnections() {
            return maxConnections;
        }

        public void setMaxConnections(int maxConnections) {
            this.maxConnections = maxConnections;
        }

        public Duration getHeartbeat() {
            return heartbeat;
        }

        public void setHeartbeat(Duration heartbeat) {
            this.heartbeat = heartbeat;
        }

        public Duration getConnectTimeout() {
            return connectTimeout;
        }

        public void setConnectTimeout(Duration connectTimeout) {
            this.connectTimeout = connectTimeout;
        }

        public int getMaxLocalHandoffs() {
            return maxLocalHandoffs;
        }

        public void setMaxLocalHandoffs(int maxLocalHandoffs) {
            this.maxLocalHandoffs = maxLocalHandoffs;
        }

        public int getMaxKeys() {
            return maxKeys;
        }

        public void setMaxKeys(int maxKeys) {
            this.maxKeys = maxKeys;
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
        try {
            registry.setDefaults(timeout, maxWaiting, maxWaitingTotal);
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException("Invalid ironfence defaults: " + e.getMessage()
                    + ". Set ironfence.timeout to a positive duration such as 2s (or leave it unset), and "
                    + "ironfence.max-waiting and ironfence.max-waiting-total to 0 or more.", e);
        }
        registry.setCaptureAcquisitionStackTraces(captureAcquisitionStackTrace);
        return registry;
    }

    /**
     * A name declared {@code scope: cluster} must never be served by a local lock, which would
     * stop protecting anything at the second instance without a word: without the cluster module
     * such a declaration fails the start-up and says what to add.
     */
    private static void requireClusterModule(String name) {
        if (!ClassUtils.isPresent("io.ironfence.cluster.ClusterRWLock", ClassUtils.getDefaultClassLoader())) {
            throw new IllegalStateException("ironfence.locks." + name + ".scope=cluster, but "
                    + "io.ironfence:ironfence-cluster is not on the class path. Add that dependency (and a PostgreSQL "
                    + "URL: ironfence.cluster.url or spring.datasource.url), or set the scope to local.");
        }
    }

    /** @return the declared locks as the registry takes them, with a message naming a bad property */
    Map<String, NamedLockRegistry.Definition> definitions() {
        Map<String, NamedLockRegistry.Definition> definitions = new LinkedHashMap<>();
        locks.forEach((name, lock) -> {
            if (lock.getScope() == LockScope.CLUSTER) {
                requireClusterModule(name);
            }
            try {
                definitions.put(name, new NamedLockRegistry.Definition(lock.getType(), lock.getTimeout(),
                        lock.getWarnHeldLongerThan(), lock.isKeyed(), lock.getScope(), lock.getMaxWaiting(),
                        lock.getMaxWaitingTotal()));
            } catch (IllegalArgumentException e) {
                throw new IllegalStateException("Invalid ironfence.locks." + name + ": " + e.getMessage()
                        + ". Set type to mutex or rwlock, timeout and warn-held-longer-than to positive durations "
                        + "such as 500ms, and max-waiting to 0 or more (or leave them unset).", e);
            }
        });
        return definitions;
    }
}
