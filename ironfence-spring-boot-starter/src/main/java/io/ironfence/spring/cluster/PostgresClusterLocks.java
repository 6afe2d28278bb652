package io.ironfence.spring.cluster;

import io.ironfence.cluster.ClusterLock;
import io.ironfence.cluster.ClusterLockEngine;
import io.ironfence.cluster.ClusterRWLock;
import io.ironfence.cluster.LiveKeyLimit;
import io.ironfence.cluster.postgres.PostgresLockEngine;
import io.ironfence.spring.ClusterLocks;
import io.ironfence.spring.LockType;

import org.jspecify.annotations.Nullable;
import org.springframework.beans.factory.DisposableBean;

import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;

/**
 * Cluster locks on one PostgreSQL database, for the names declared {@code scope: cluster}. The
 * engine (its own sessions, never the application's pool) is started when the first such name is
 * resolved, which is at start-up for declared names, so a wrong URL or password fails the start.
 * All names share the engine's sessions and the limit on live keys; closing this bean closes the
 * sessions, which releases every hold of the instance.
 */
public final class PostgresClusterLocks implements ClusterLocks, DisposableBean {

    private final Supplier<PostgresLockEngine.Settings> settings;
    private final int maxLocalHandoffs;
    private final LiveKeyLimit liveKeys;
    private final ReentrantLock starting = new ReentrantLock();
    private volatile @Nullable PostgresLockEngine engine;
    private volatile String instanceId = "";

    /**
     * @param settings         how to connect; asked once, when the first cluster lock is created (it
     *                         may throw to say what is missing)
     * @param maxLocalHandoffs how many times in a row a release may keep a remote hold for a local waiter
     * @param maxKeys          the most keys live at once over all cluster locks of the instance
     */
    public PostgresClusterLocks(Supplier<PostgresLockEngine.Settings> settings, int maxLocalHandoffs, int maxKeys) {
        if (maxLocalHandoffs < 0) {
            throw new IllegalArgumentException("ironfence.cluster.max-local-handoffs must not be negative, was "
                    + maxLocalHandoffs);
        }
        this.settings = settings;
        this.maxLocalHandoffs = maxLocalHandoffs;
        this.liveKeys = new LiveKeyLimit(maxKeys, "ironfence.cluster.max-keys");
    }

    @Override
    public Handle create(String name, LockType type) {
        ClusterLockEngine engine = engine();
        return type == LockType.MUTEX
                ? new ClusterLockHandle(new ClusterLock(name, engine, maxLocalHandoffs, liveKeys), engine, instanceId)
                : new ClusterRWLockHandle(new ClusterRWLock(name, engine, maxLocalHandoffs, liveKeys), engine,
                        instanceId);
    }

    @Override
    public Class<?> lockClass(LockType type) {
        return type == LockType.MUTEX ? ClusterLock.class : ClusterRWLock.class;
    }

    /** @return the sessions the engine has open now (0 before the first cluster lock) */
    public int openSessions() {
        PostgresLockEngine current = engine;
        return current != null ? current.openSessions() : 0;
    }

    /** @return the live keys now, over all cluster locks */
    public int liveKeys() {
        return liveKeys.getLive();
    }

    private PostgresLockEngine engine() {
        PostgresLockEngine current = engine;
        if (current != null) {
            return current;
        }
        starting.lock();
        try {
            if (engine == null) {
                PostgresLockEngine.Settings resolved = settings.get();
                instanceId = resolved.instanceId();
                engine = new PostgresLockEngine(resolved);
            }
            return engine;
        } finally {
            starting.unlock();
        }
    }

    @Override
    public void destroy() {
        PostgresLockEngine current = engine;
        if (current != null) {
            current.close();
        }
    }
}
