package io.ironfence.spring;

import io.ironfence.Mutex;
import io.ironfence.ObservableLock;
import io.ironfence.RWLock;

import org.jspecify.annotations.Nullable;
import org.springframework.beans.factory.BeanFactory;
import org.springframework.beans.factory.BeanFactoryAware;
import org.springframework.beans.factory.ListableBeanFactory;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.beans.factory.config.BeanDefinition;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;

import java.time.Duration;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Every named lock of the application, whoever declared it: under {@code ironfence.locks.<name>},
 * as a {@code Mutex}/{@code RWLock} bean (under its bean name), or nowhere, in which case the lock
 * is created the first time an annotation or {@link #get} uses the name (a {@code Mutex}, or an
 * {@code RWLock} if any {@code @ReadLocked} uses it). Annotations, code that injects the lock
 * beans and code that asks this registry all share the one lock of a name.
 * <p>
 * A name is either a single lock or keyed (one lock per key, {@link #getKeyed}), never both: keyed
 * and un-keyed callers of one name would take different locks and never wait for each other, so
 * {@link #registerUse} refuses the second kind of use.
 * <p>
 * Names known at start-up (declared, bean, or used by an annotation of a singleton) are resolved
 * once all singletons exist, so a name declared twice with different types fails the start-up.
 */
public class NamedLockRegistry implements BeanFactoryAware, SmartInitializingSingleton {

    /**
     * Marks the bean definitions that the starter registers for locks declared in properties, so
     * that they are not mistaken for the application's own lock beans.
     */
    public static final String DECLARED_LOCK_ATTRIBUTE = NamedLockRegistry.class.getName() + ".declared";

    /**
     * A lock declared in configuration.
     *
     * @param type               mutex or rwlock
     * @param timeout            the default timeout of annotations on it; null to wait without limit
     * @param warnHeldLongerThan holds longer than this are logged and flagged as stuck; null for the
     *                           registry's default
     * @param keyed              whether it is one lock per key (every use names a key) rather than a
     *                           single lock (no use names a key)
     * @param scope              whether it holds in this JVM or across every instance of the service
     * @param maxWaiting         how many requests may wait for it (per key, if keyed); null for the
     *                           registry's default
     * @param maxWaitingTotal    how many requests may wait for all keys of a keyed lock together;
     *                           null for the registry's default
     */
    public record Definition(LockType type, @Nullable Duration timeout, @Nullable Duration warnHeldLongerThan,
            boolean keyed, LockScope scope, @Nullable Integer maxWaiting, @Nullable Integer maxWaitingTotal) {

        /** A lock with the registry's default bounds. */
        public Definition(LockType type, @Nullable Duration timeout, @Nullable Duration warnHeldLongerThan,
                boolean keyed, LockScope scope) {
            this(type, timeout, warnHeldLongerThan, keyed, scope, null, null);
        }

        /** A local lock. */
        public Definition(LockType type, @Nullable Duration timeout, @Nullable Duration warnHeldLongerThan,
                boolean keyed) {
            this(type, timeout, warnHeldLongerThan, keyed, LockScope.LOCAL);
        }

        /** A single lock with the registry's default stuck-hold threshold. */
        public Definition(LockType type, @Nullable Duration timeout) {
            this(type, timeout, null, false);
        }

        /** A single lock. */
        public Definition(LockType type, @Nullable Duration timeout, @Nullable Duration warnHeldLongerThan) {
            this(type, timeout, warnHeldLongerThan, false);
        }

        public Definition {
            if (type == null || scope == null) {
                throw new IllegalArgumentException("type and scope must not be null");
            }
            if (timeout != null && (timeout.isNegative() || timeout.isZero())) {
                throw new IllegalArgumentException("timeout must be positive, was " + DurationFormat.format(timeout));
            }
            if (warnHeldLongerThan != null && (warnHeldLongerThan.isNegative() || warnHeldLongerThan.isZero())) {
                throw new IllegalArgumentException("warn-held-longer-than must be positive, was " + DurationFormat.format(warnHeldLongerThan));
            }
            if (maxWaiting != null && maxWaiting < 0 || maxWaitingTotal != null && maxWaitingTotal < 0) {
                throw new IllegalArgumentException("max-waiting and max-waiting-total must be 0 or more, were "
                        + maxWaiting + " and " + maxWaitingTotal);
            }
            if (maxWaitingTotal != null && !keyed) {
                throw new IllegalArgumentException("max-waiting-total bounds the waiters of all keys of a keyed lock "
                        + "together, but the lock is not keyed: use max-waiting");
            }
            if (scope == LockScope.CLUSTER && (maxWaiting != null || maxWaitingTotal != null)) {
                throw new IllegalArgumentException("max-waiting is not supported for scope: cluster yet (a cluster "
                        + "lock's waiters queue locally and at the server): remove it, and bound the wait with timeout");
            }
        }
    }

    /** Requests that may wait for one lock (or one key) of a lock that sets no bound of its own. */
    public static final int DEFAULT_MAX_WAITING = 1_000;

    /** Requests that may wait for all keys of a keyed lock together, unless it sets its own bound. */
    public static final int DEFAULT_MAX_WAITING_TOTAL = 10_000;

    private final Map<String, Definition> definitions;
    private final boolean strict;
    private final ConcurrentHashMap<String, NamedLock> locks = new ConcurrentHashMap<>();
    /** Names used by annotations, and where (for messages). */
    private final Map<String, String> annotatedNames = new ConcurrentHashMap<>();
    /** Names used with a key, and without one, and the first place of each (for messages). */
    private final Map<String, String> keyedUses = new ConcurrentHashMap<>();
    private final Map<String, String> singleUses = new ConcurrentHashMap<>();
    private final Set<String> readLockedNames = ConcurrentHashMap.newKeySet();
    private final List<Consumer<NamedLock>> lockCallbacks = new CopyOnWriteArrayList<>();
    private @Nullable ListableBeanFactory beanFactory;
    private Supplier<@Nullable ClusterLocks> clusterLocks = () -> null;
    private @Nullable Duration defaultWarnHeldLongerThan;
    private @Nullable Duration defaultTimeout;
    private int defaultMaxWaiting = Integer.MAX_VALUE;
    private int defaultMaxWaitingTotal = Integer.MAX_VALUE;
    private boolean captureAcquisitionStackTraces;

    /**
     * @param definitions locks declared in configuration, by name
     * @param strict      whether names declared nowhere are an error instead of created on first use
     */
    public NamedLockRegistry(Map<String, Definition> definitions, boolean strict) {
        this.definitions = Collections.unmodifiableMap(new LinkedHashMap<>(definitions));
        this.strict = strict;
    }

    /** A registry of locks created on first use only, outside a bean factory. */
    public NamedLockRegistry() {
        this(Map.of(), false);
    }

    /** @param threshold holds longer than this are logged and flagged as stuck, unless a lock sets its own; null for never */
    public void setDefaultWarnHeldLongerThan(@Nullable Duration threshold) {
        this.defaultWarnHeldLongerThan = threshold;
    }

    /**
     * Sets what locks that set none of their own get (the application's own lock beans keep the
     * bounds they were built with). A registry made outside Spring Boot waits and queues without
     * limit unless told otherwise; the starter passes {@code ironfence.timeout},
     * {@code ironfence.max-waiting} and {@code ironfence.max-waiting-total}.
     *
     * @param timeout         how long annotated methods wait; null for without limit
     * @param maxWaiting      requests that may wait for one lock (or one key)
     * @param maxWaitingTotal requests that may wait for all keys of a keyed lock together
     */
    public void setDefaults(@Nullable Duration timeout, int maxWaiting, int maxWaitingTotal) {
        if (timeout != null && (timeout.isNegative() || timeout.isZero())) {
            throw new IllegalArgumentException("timeout must be positive, was " + DurationFormat.format(timeout));
        }
        if (maxWaiting < 0 || maxWaitingTotal < 0) {
            throw new IllegalArgumentException("max-waiting and max-waiting-total must be 0 or more, were "
                    + maxWaiting + " and " + maxWaitingTotal);
        }
        this.defaultTimeout = timeout;
        this.defaultMaxWaiting = maxWaiting;
        this.defaultMaxWaitingTotal = maxWaitingTotal;
    }

    /**
     * @param clusterLocks what serves names declared {@code scope: cluster}, asked when the first
     *                     of them is resolved; it may supply null when cluster scope is unavailable
     */
    public void setClusterLocks(Supplier<@Nullable ClusterLocks> clusterLocks) {
        this.clusterLocks = clusterLocks;
    }

    /** @param capture whether to record where each blocking hold was taken, for the stuck-hold warning */
    public void setCaptureAcquisitionStackTraces(boolean capture) {
        this.captureAcquisitionStackTraces = capture;
    }

    /** @return the shortest stuck-hold threshold of any lock, or null if none is set */
    public @Nullable Duration getShortestWarnHeldLongerThan() {
        Duration shortest = defaultWarnHeldLongerThan;
        for (Definition definition : definitions.values()) {
            Duration threshold = definition.warnHeldLongerThan();
            if (threshold != null && (shortest == null || threshold.compareTo(shortest) < 0)) {
                shortest = threshold;
            }
        }
        return shortest;
    }

    /**
     * Runs the action for every lock resolved so far and for each one resolved later (metrics bind
     * this way). It may run more than once for a lock that is being resolved as it is added, so it
     * must be idempotent per lock.
     *
     * @param action what to do with each lock
     */
    public void forEachLock(Consumer<NamedLock> action) {
        lockCallbacks.add(action);
        locks.values().forEach(action);
    }

    @Override
    public void setBeanFactory(BeanFactory beanFactory) {
        if (beanFactory instanceof ListableBeanFactory listable) {
            this.beanFactory = listable;
        }
    }

    /**
     * Returns the named lock, resolving it on first use: the application's lock bean of that name,
     * else the lock declared in configuration, else a new one.
     *
     * @param name the lock's name
     * @return the named lock
     * @throws IllegalStateException if the name is declared twice with different types, or if it
     *                               is declared nowhere and the registry is strict
     */
    public NamedLock get(String name) {
        NamedLock lock = locks.get(name);
        if (lock != null) {
            return lock;
        }
        // Resolved outside the map: it may create the application's bean, which may use the registry.
        NamedLock created = resolve(name);
        NamedLock raced = locks.putIfAbsent(name, created);
        if (raced != null) {
            return raced;
        }
        lockCallbacks.forEach(action -> action.accept(created));
        return created;
    }

    /**
     * @param name the lock's name
     * @return the named lock if it is in use or declared, without creating an undeclared one
     */
    public Optional<NamedLock> find(String name) {
        NamedLock lock = locks.get(name);
        if (lock != null || declaredType(name) == null) {
            return Optional.ofNullable(lock);
        }
        return Optional.of(get(name));
    }

    /** @return the locks resolved so far: all known at start-up, and those created since */
    public Collection<NamedLock> getLocks() {
        return Collections.unmodifiableCollection(locks.values());
    }

    /**
     * @param name the lock's name
     * @return the single lock of that name as a mutex
     * @throws IllegalStateException if it is a read-write lock
     */
    public <T> Mutex<T> getMutex(String name) {
        return get(name).asMutex();
    }

    /**
     * @param name the lock's name
     * @return the single lock of that name as a read-write lock; an undeclared name becomes one
     * @throws IllegalStateException if it is a mutex
     */
    public <T> RWLock<T> getRWLock(String name) {
        if (!locks.containsKey(name) && declaredType(name) == null) {
            readLockedNames.add(name); // asked for as a read-write lock: create it as one
        }
        return get(name).asRWLock();
    }

    /**
     * @param name the lock's name
     * @return the keyed lock of that name, for code that locks by key beside the annotations that
     *         use the name with a key; an undeclared name becomes one
     * @throws IllegalStateException if the name is a single lock
     */
    public KeyedLock getKeyed(String name) {
        if (!locks.containsKey(name) && declaredType(name) == null) {
            keyedUses.putIfAbsent(name, "NamedLockRegistry.getKeyed(\"" + name + "\")");
        }
        return get(name).asKeyed();
    }

    /** @return the locks declared in configuration, by name */
    public Map<String, Definition> getDefinitions() {
        return definitions;
    }

    /**
     * Records that an annotation uses the name, and checks that it can: a read lock needs a
     * read-write lock, and a name is either keyed (every use has a key) or a single lock (no use
     * has one), since keyed calls and un-keyed ones would take different locks and never wait for
     * each other. Called at start-up for every annotated method a caller can reach.
     *
     * @param name   the lock's name
     * @param shared whether the annotation takes a read lock
     * @param keyed  whether the annotation has a key
     * @param where  the annotation and method, for messages
     * @throws IllegalStateException if the lock cannot serve the annotation
     */
    public void registerUse(String name, boolean shared, boolean keyed, String where) {
        registerUse(name, shared, keyed, where, null);
    }

    /**
     * As {@link #registerUse(String, boolean, boolean, String)}, and for a cluster-scoped name
     * checks that a key of the declared type can be a cluster key.
     *
     * @param keyType the declared type of the key, when known; null otherwise
     * @throws IllegalStateException if the lock cannot serve the annotation
     */
    public void registerUse(String name, boolean shared, boolean keyed, String where, @Nullable Class<?> keyType) {
        Definition definition = definitions.get(name);
        if (keyType != null && definition != null && definition.scope() == LockScope.CLUSTER) {
            ClusterKeyTypes.requireEncodable(name, keyType, where); // loaded only for cluster names: the module is there
        }
        LockType declared = declaredType(name);
        if (declared == null && strict) {
            throw new IllegalStateException(where + " uses lock '" + name + "', which is declared nowhere and "
                    + "ironfence.strict=true. Declare it under ironfence.locks." + name + ".type (mutex or rwlock), "
                    + "define a Mutex or RWLock bean named '" + name + "', or set ironfence.strict=false.");
        }
        NamedLock existing = locks.get(name);
        if (shared) {
            LockType type = existing != null ? existing.getType() : declared;
            if (type == LockType.MUTEX) {
                throw new IllegalStateException(where + " takes a read lock, but lock '" + name + "' is a mutex ("
                        + describeDeclaration(name, existing) + "). Declare it with ironfence.locks." + name
                        + ".type=rwlock, or use @WithLock for exclusive access.");
            }
            readLockedNames.add(name);
        }
        checkKeyedness(name, keyed, where, existing);
        (keyed ? keyedUses : singleUses).putIfAbsent(name, where);
        annotatedNames.putIfAbsent(name, where);
    }

    private void checkKeyedness(String name, boolean keyed, String where, @Nullable NamedLock existing) {
        Boolean declaredKeyed = existing != null ? (Boolean) existing.isKeyed() : declaredKeyed(name);
        if (declaredKeyed != null && declaredKeyed && !keyed) {
            throw new IllegalStateException(where + " has no key, but lock '" + name + "' is keyed ("
                    + (existing != null && existing.getOrigin() == NamedLock.Origin.FIRST_USE ? "used with a key first"
                    : "ironfence.locks." + name + ".keyed=true") + "): give it a key, e.g. key = \"#id\", "
                    + "or give the single lock a name of its own.");
        }
        if (declaredKeyed != null && !declaredKeyed && keyed) {
            throw new IllegalStateException(where + " locks per key, but lock '" + name + "' is a single lock ("
                    + (existing != null && existing.getOrigin() == NamedLock.Origin.FIRST_USE ? "used without a key first"
                    : isApplicationBean(name) ? "bean '" + name + "'" : "ironfence.locks." + name)
                    + "), which none of the keyed calls would wait for. Declare it with ironfence.locks." + name
                    + ".keyed=true (its bean is then a KeyedLock), or give the keyed lock a name of its own.");
        }
        String other = (keyed ? singleUses : keyedUses).get(name);
        if (other != null) {
            String withKey = keyed ? where : other;
            String withoutKey = keyed ? other : where;
            throw new IllegalStateException("Lock '" + name + "' is used with a key by " + withKey
                    + " and without one by " + withoutKey + ": the keyed calls would take one lock per key and the "
                    + "other call a single lock, and they would never wait for each other. Give every use of '"
                    + name + "' a key, or give the single lock a name of its own.");
        }
    }

    /** @return whether the name is declared keyed, declared as a single lock, or (null) not declared */
    private @Nullable Boolean declaredKeyed(String name) {
        if (applicationBeanType(name) != null) {
            return false; // the application's own Mutex or RWLock bean is one lock
        }
        Definition definition = definitions.get(name);
        return definition != null ? definition.keyed() : null;
    }

    /** @return the names used by annotations so far */
    public Set<String> getAnnotatedNames() {
        return Collections.unmodifiableSet(annotatedNames.keySet());
    }

    /** Resolves every name known at start-up, so misdeclarations fail it and monitoring sees them all. */
    @Override
    public void afterSingletonsInstantiated() {
        definitions.keySet().forEach(this::get);
        if (beanFactory != null) {
            for (LockType type : LockType.values()) {
                for (String name : beanFactory.getBeanNamesForType(type.lockClass(), false, false)) {
                    if (!isDeclaredByUs(name)) {
                        get(name);
                    }
                }
            }
        }
        annotatedNames.keySet().forEach(this::get);
    }

    private NamedLock resolve(String name) {
        Definition definition = definitions.get(name);
        LockType beanType = applicationBeanType(name);
        if (definition != null && definition.scope() == LockScope.CLUSTER) {
            return resolveCluster(name, definition, beanType);
        }
        if (beanType != null) {
            if (definition != null && definition.type() != beanType) {
                throw conflict(name, definition.type(), beanType);
            }
            ObservableLock bean = (ObservableLock) beanFactory.getBean(name);
            if (definition != null && definition.keyed()) {
                throw new IllegalStateException("Lock '" + name + "' is declared keyed (ironfence.locks." + name
                        + ".keyed=true), but the application's bean '" + name + "' is a single "
                        + beanType.id() + ". Remove keyed, or rename the bean or the lock.");
            }
            if (definition != null && definition.maxWaiting() != null) {
                bean.setMaxWaiting(definition.maxWaiting()); // the application's bean keeps its own bound unless told
            }
            return new NamedLock(name, bean, timeout(definition), NamedLock.Origin.BEAN, monitor(name, definition));
        }
        if (definition != null) {
            NamedLock declared = new NamedLock(name, definition.type().create(name), timeout(definition),
                    NamedLock.Origin.PROPERTIES, monitor(name, definition), definition.keyed());
            declared.bound(definition.maxWaiting() != null ? definition.maxWaiting() : defaultMaxWaiting,
                    definition.maxWaitingTotal() != null ? definition.maxWaitingTotal() : defaultMaxWaitingTotal);
            return declared;
        }
        if (strict) {
            throw new IllegalStateException("Lock '" + name + "' is declared nowhere and ironfence.strict=true. "
                    + "Declare it under ironfence.locks." + name + ".type, or define a Mutex or RWLock bean named '"
                    + name + "'.");
        }
        LockType type = readLockedNames.contains(name) ? LockType.RWLOCK : LockType.MUTEX;
        NamedLock created = new NamedLock(name, type.create(name), defaultTimeout, NamedLock.Origin.FIRST_USE,
                monitor(name, null), keyedUses.containsKey(name));
        created.bound(defaultMaxWaiting, defaultMaxWaitingTotal);
        return created;
    }

    private @Nullable Duration timeout(@Nullable Definition definition) {
        return definition != null && definition.timeout() != null ? definition.timeout() : defaultTimeout;
    }

    private NamedLock resolveCluster(String name, Definition definition, @Nullable LockType beanType) {
        if (beanType != null) {
            throw new IllegalStateException("Lock '" + name + "' is declared scope: cluster (ironfence.locks." + name
                    + ".scope), but the application also defines a " + beanType.id() + " bean '" + name + "', which "
                    + "is local to this JVM. Remove the bean (the starter registers the cluster lock under that "
                    + "name's qualifier), or rename one of them.");
        }
        ClusterLocks cluster = clusterLocks.get();
        if (cluster == null) {
            throw new IllegalStateException("Lock '" + name + "' is declared ironfence.locks." + name + ".scope=cluster, "
                    + "but cluster scope is not configured: add io.ironfence:ironfence-cluster to the application and "
                    + "set ironfence.cluster.url (or spring.datasource.url) to its PostgreSQL database, or set the scope "
                    + "to local.");
        }
        return new NamedLock(name, definition.type(), cluster.create(name, definition.type()), timeout(definition),
                monitor(name, definition), definition.keyed());
    }

    private LockMonitor monitor(String name, @Nullable Definition definition) {
        Duration threshold = definition != null && definition.warnHeldLongerThan() != null
                ? definition.warnHeldLongerThan() : defaultWarnHeldLongerThan;
        return new LockMonitor(name, threshold, captureAcquisitionStackTraces);
    }

    /** @return the declared type of the name (configuration or the application's bean), or null */
    @Nullable LockType declaredType(String name) {
        Definition definition = definitions.get(name);
        LockType beanType = applicationBeanType(name);
        if (beanType != null && definition != null && beanType != definition.type()) {
            throw conflict(name, definition.type(), beanType);
        }
        return beanType != null ? beanType : definition != null ? definition.type() : null;
    }

    private @Nullable LockType applicationBeanType(String name) {
        if (!isApplicationBean(name)) {
            return null;
        }
        return LockType.ofBeanType(beanFactory.getType(name, false));
    }

    /** Whether the application defines a bean of this name (not one the starter registered for a declared lock). */
    private boolean isApplicationBean(String name) {
        return beanFactory != null && beanFactory.containsBean(name) && !isDeclaredByUs(name);
    }

    private boolean isDeclaredByUs(String name) {
        if (beanFactory instanceof ConfigurableListableBeanFactory factory && factory.containsBeanDefinition(name)) {
            BeanDefinition definition = factory.getMergedBeanDefinition(name);
            return definition.getAttribute(DECLARED_LOCK_ATTRIBUTE) != null;
        }
        return false;
    }

    private String describeDeclaration(String name, @Nullable NamedLock existing) {
        if (existing != null && existing.getOrigin() == NamedLock.Origin.FIRST_USE) {
            return "created as a mutex on first use, before anything read-locked it";
        }
        return applicationBeanType(name) != null ? "bean '" + name + "'" : "ironfence.locks." + name + ".type=mutex";
    }

    private static IllegalStateException conflict(String name, LockType configured, LockType bean) {
        return new IllegalStateException("Lock '" + name + "' is declared twice with different types: "
                + "ironfence.locks." + name + ".type=" + configured.id() + ", and a bean '" + name + "' that is "
                + (bean == LockType.MUTEX ? "a Mutex" : "an RWLock") + ". Make the types agree, or rename one of them.");
    }
}
