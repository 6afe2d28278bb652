package io.ironfence.spring.cluster;

import io.ironfence.Guard;
import io.ironfence.cluster.ClusterGuard;
import io.ironfence.cluster.ClusterLockEngine;
import io.ironfence.cluster.ClusterLockKeys;
import io.ironfence.cluster.ObservableClusterLock;
import io.ironfence.spi.LockListener;
import io.ironfence.spring.ClusterLocks;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import java.util.List;

/** What the handles of both lock types share: counts, listeners, loss, and the server's view of the single lock. */
abstract class AbstractHandle implements ClusterLocks.Handle {

    private static final Log logger = LogFactory.getLog(ClusterLocks.class);

    private final ObservableClusterLock lock;
    private final String name;
    private final ClusterLockEngine engine;
    private final String instanceId;

    AbstractHandle(ObservableClusterLock lock, ClusterLockEngine engine, String instanceId) {
        this.lock = lock;
        this.name = lock.getName();
        this.engine = engine;
        this.instanceId = instanceId;
    }

    @Override
    public ObservableClusterLock lock() {
        return lock;
    }

    @Override
    public void addListener(LockListener listener) {
        lock.addListener(listener);
    }

    @Override
    public int getWaitingCount() {
        return lock.getWaitingCount();
    }

    @Override
    public int getHolderCount() {
        return lock.getHolderCount();
    }

    @Override
    public int getLiveKeyCount() {
        return lock.getLiveKeyCount();
    }

    @Override
    public long getLostHolds() {
        return lock.getLostHolds();
    }

    @Override
    public String instanceId() {
        return instanceId;
    }

    @Override
    public boolean release(Guard<?> guard) {
        if (guard instanceof ClusterGuard cluster) {
            return cluster.release();
        }
        guard.close();
        return true;
    }

    @Override
    public void reportLoss(Guard<?> guard, @Nullable Object key, String holder) {
        if (guard instanceof ClusterGuard cluster) {
            String thread = Thread.currentThread().getName();
            cluster.whenLost().thenRun(() -> logger.error("Cluster lock '" + name + "'"
                    + (key != null ? " (key '" + key + "')" : "") + " was lost while " + holder + " held it (thread '"
                    + thread + "'): another instance may take it before this holder is done. The holder sees it "
                    + "through isValid() and whenLost(); an annotated call ends with LockLostException."));
        }
    }

    @Override
    public List<ClusterLocks.RemoteHolder> describeRemote() {
        return engine.describe(ClusterLockKeys.of(name, null)).stream()
                .map(holder -> new ClusterLocks.RemoteHolder(holder.instance(), holder.shared() ? "shared" : "exclusive",
                        holder.granted(), holder.since()))
                .toList();
    }
}
