package io.ironfence.spring;

import io.ironfence.Mutex;
import io.ironfence.ObservableLock;
import io.ironfence.RWLock;
import io.ironfence.WaitingLimit;

import io.ironfence.spi.LockListener;

import org.jspecify.annotations.Nullable;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;

/**
 * A lock in the {@link NamedLockRegistry}: its name, type and default timeout, the single lock of that
 * name, and the per-key locks that {@code @WithLock(key = ...)} and {@code @ReadLocked(key = ...)}
 * take under the same name.
 */
public final class NamedLock {

    /** Where a named lock was declared. */
    public enum Origin {
        /** Under {@code ironfence.locks.<name>}. */
        PROPERTIES,
        /** A {@code Mutex} or {@code RWLock} bean of the application. */
        BEAN,
        /** Declared nowhere: created when an annotation (or code) first used the name. */
        FIRST_USE
    }

    private final String name;
    private final LockType type;
    private final @Nullable Duration timeout;
    private final Origin origin;
    private final ObservableLock lock;
    private final KeyedLocks keyed;
    private final LockMonitor monitor;
    private final @Nullable KeyedLock keyedView;
    private final ClusterLocks.@Nullable Handle cluster;
    private final boolean keyedName;
    private final List<LockListener> listeners = new CopyOnWriteArrayList<>();
    // Set by bound() before the registry publishes this lock, read by the per-key locks it creates.
    private int maxWaitingPerKey = Integer.MAX_VALUE;
    private @Nullable WaitingLimit keysWaitingLimit;

    NamedLock(String name, ObservableLock lock, @Nullable Duration timeout, Origin origin, LockMonitor monitor) {
        this(name, lock, timeout, origin, monitor, false);
    }

    NamedLock(String name, ObservableLock lock, @Nullable Duration timeout, Origin origin, LockMonitor monitor,
            boolean isKeyed) {
        this(name, lock, null, timeout, origin, monitor, isKeyed);
    }

    /** A name declared {@code scope: cluster}: every use goes to the cluster lock. */
    NamedLock(String name, LockType type, ClusterLocks.Handle cluster, @Nullable Duration timeout, LockMonitor monitor,
            boolean isKeyed) {
        // The local lock of a cluster name is never handed out: it only keeps the accessors total.
        this(name, type.create(name), cluster, timeout, Origin.PROPERTIES, monitor, isKeyed);
    }

    private NamedLock(String name, ObservableLock lock, ClusterLocks.@Nullable Handle cluster,
            @Nullable Duration timeout, Origin origin, LockMonitor monitor, boolean isKeyed) {
        this.name = name;
        this.type = LockType.of(lock);
        this.timeout = timeout;
        this.origin = origin;
        this.lock = lock;
        this.keyed = new KeyedLocks(key -> newKeyLock());
        this.monitor = monitor;
        this.cluster = cluster;
        this.keyedName = isKeyed;
        this.keyedView = isKeyed && cluster == null ? new KeyedLock(this) : null;
        monitor.setSingleLock(lock);
        addListener(monitor);
    }

    /** Per-key locks carry the lock's name and its listeners: they report as the name, never the key. */
    private ObservableLock newKeyLock() {
        ObservableLock keyLock = type.create(name);
        keyLock.setMaxWaiting(maxWaitingPerKey);
        keyLock.setWaitingLimit(keysWaitingLimit);
        for (LockListener listener : listeners) {
            keyLock.addListener(listener);
        }
        return keyLock;
    }

    /**
     * Bounds the wait queues: the single lock's, or for a keyed name each key's, plus all keys'
     * together. Called once, before the lock is in use.
     */
    void bound(int maxWaiting, int maxWaitingTotal) {
        if (cluster != null) {
            return; // not supported (the registry refuses explicit bounds on cluster names)
        }
        if (keyedName) {
            maxWaitingPerKey = maxWaiting;
            // Unbounded: no shared counter for every key's waiters to contend on.
            keysWaitingLimit = maxWaitingTotal < Integer.MAX_VALUE ? new WaitingLimit(maxWaitingTotal) : null;
        } else {
            lock.setMaxWaiting(maxWaiting);
        }
    }

    /**
     * @return how many requests may wait for the lock (for a keyed name: for one key) before more
     *         are turned away; {@link Integer#MAX_VALUE} when unbounded
     */
    public int getMaxWaiting() {
        return cluster != null ? Integer.MAX_VALUE : keyedName ? maxWaitingPerKey : lock.getMaxWaiting();
    }

    /** @return for a keyed name, the bound on the requests waiting for all its keys together */
    public Optional<WaitingLimit> getKeysWaitingLimit() {
        return Optional.ofNullable(keysWaitingLimit);
    }

    /**
     * Attaches a listener to the lock and to each of its per-key locks, now and later: metrics and
     * monitoring see the name as one lock. Per-key locks being created while this runs may miss
     * the listener, so attach listeners before the lock is in use (at start-up).
     *
     * @param listener the listener
     */
    public void addListener(LockListener listener) {
        listeners.add(listener);
        if (cluster != null) {
            cluster.addListener(listener);
            return;
        }
        lock.addListener(listener);
        for (ObservableLock keyLock : keyed.locks()) {
            keyLock.addListener(listener);
        }
    }

    /** @return the single lock and the per-key locks in use now */
    public Iterable<ObservableLock> getAllLocks() {
        return () -> Stream.concat(Stream.of(lock), keyed.locksStream()).iterator();
    }

    /** @return requests waiting now, over all keys (for a cluster lock: locally or at the server) */
    public int getWaitingCount() {
        if (cluster != null) {
            return cluster.getWaitingCount();
        }
        int waiting = 0;
        for (ObservableLock each : getAllLocks()) {
            waiting += each.getQueueLength();
        }
        return waiting;
    }

    /** @return holds now, over all keys (each reader counts; for a cluster lock, this instance's) */
    public int getHolderCount() {
        if (cluster != null) {
            return cluster.getHolderCount();
        }
        int holders = 0;
        for (ObservableLock each : getAllLocks()) {
            holders += each.getHolderCount();
        }
        return holders;
    }

    /** @return keys in use now (held or waited for) */
    public int getLiveKeyCount() {
        return cluster != null ? cluster.getLiveKeyCount() : keyed.size();
    }

    /** @return where the lock holds: this JVM, or every instance of the service */
    public LockScope getScope() {
        return cluster != null ? LockScope.CLUSTER : LockScope.LOCAL;
    }

    /**
     * @return the cluster side of a name declared {@code scope: cluster}
     * @throws IllegalStateException if the name is local
     */
    public ClusterLocks.Handle getCluster() {
        if (cluster == null) {
            throw new IllegalStateException("Lock '" + name + "' is local, not cluster-scoped");
        }
        return cluster;
    }

    /** @return counts, current holders and stuck holds of this name (single and per-key locks together) */
    public LockMonitor getMonitor() {
        return monitor;
    }

    /** @return the lock's name */
    public String getName() {
        return name;
    }

    /** @return whether it is a mutex or a read-write lock */
    public LockType getType() {
        return type;
    }

    /** @return the timeout annotations use when they set none; empty to wait without limit */
    public Optional<Duration> getTimeout() {
        return Optional.ofNullable(timeout);
    }

    /** @return where it was declared */
    public Origin getOrigin() {
        return origin;
    }

    /**
     * @return whether the name is a keyed lock (one lock per key, locked with a key by every
     *         caller), as opposed to a single lock (locked without a key by every caller)
     */
    public boolean isKeyed() {
        return keyedName;
    }

    /**
     * @return the keyed lock, for code that locks by key
     * @throws IllegalStateException if the name is a single lock
     */
    public KeyedLock asKeyed() {
        requireLocal();
        if (keyedView == null) {
            throw new IllegalStateException("Lock '" + name + "' is a single lock, not keyed: use it as a "
                    + type.id() + ", or declare ironfence.locks." + name + ".keyed=true to lock it per key");
        }
        return keyedView;
    }

    /** @return the single (unkeyed) lock of this name; a keyed name's is never taken, nor a cluster name's */
    public ObservableLock getLock() {
        return lock;
    }

    /** @return the per-key locks of this name */
    public KeyedLocks getKeyedLocks() {
        return keyed;
    }

    /**
     * @return the single lock as a {@link Mutex}
     * @throws IllegalStateException if it is a read-write lock, or keyed
     */
    @SuppressWarnings("unchecked")
    public <T> Mutex<T> asMutex() {
        requireSingle();
        if (!(lock instanceof Mutex<?> mutex)) {
            throw new IllegalStateException("Lock '" + name + "' is an rwlock, not a mutex: use it as an RWLock "
                    + "(NamedLockRegistry.getRWLock), or declare ironfence.locks." + name + ".type=mutex");
        }
        return (Mutex<T>) mutex;
    }

    /**
     * @return the single lock as an {@link RWLock}
     * @throws IllegalStateException if it is a mutex, or keyed
     */
    @SuppressWarnings("unchecked")
    public <T> RWLock<T> asRWLock() {
        requireSingle();
        if (!(lock instanceof RWLock<?> rw)) {
            throw new IllegalStateException("Lock '" + name + "' is a mutex, not an rwlock: use it as a Mutex "
                    + "(NamedLockRegistry.getMutex), or declare ironfence.locks." + name + ".type=rwlock");
        }
        return (RWLock<T>) rw;
    }

    /** A cluster name's local lock would protect nothing at the second instance: it is never handed out. */
    private void requireLocal() {
        if (cluster != null) {
            throw new IllegalStateException("Lock '" + name + "' is cluster-scoped: use its "
                    + cluster.lock().getClass().getSimpleName() + " (inject @Qualifier(\"" + name + "\") "
                    + cluster.lock().getClass().getSimpleName() + "), whose holds exclude every instance; a local "
                    + "lock of the same name would not");
        }
    }

    private void requireSingle() {
        requireLocal();
        if (keyedView != null) {
            throw new IllegalStateException("Lock '" + name + "' is keyed: lock it per key through its KeyedLock "
                    + "(NamedLockRegistry.getKeyed(\"" + name + "\"), or inject @Qualifier(\"" + name + "\") KeyedLock)");
        }
    }

    @Override
    public String toString() {
        return "NamedLock[" + name + ", " + type.id() + (keyedName ? ", keyed, " : ", ")
                + (cluster != null ? "cluster, " : "") + origin.name().toLowerCase(java.util.Locale.ROOT) + "]";
    }
}
