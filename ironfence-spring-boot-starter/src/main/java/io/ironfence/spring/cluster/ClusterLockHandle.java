package io.ironfence.spring.cluster;

import io.ironfence.Guard;
import io.ironfence.cluster.ClusterLock;
import io.ironfence.cluster.ClusterLockEngine;

import org.jspecify.annotations.Nullable;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/** A cluster-scoped mutex name: its {@link ClusterLock}. */
final class ClusterLockHandle extends AbstractHandle {

    private final ClusterLock lock;

    ClusterLockHandle(ClusterLock lock, ClusterLockEngine engine, String instanceId) {
        super(lock, engine, instanceId);
        this.lock = lock;
    }

    @Override
    public ClusterLock lock() {
        return lock;
    }

    @Override
    public CompletableFuture<? extends Guard<?>> acquireAsync(@Nullable Object key, boolean shared,
            @Nullable Duration timeout) {
        return lock.lockAsync(key, timeout);
    }

    @Override
    public Optional<? extends Guard<?>> acquire(@Nullable Object key, boolean shared, @Nullable Duration timeout)
            throws InterruptedException {
        return timeout == null ? Optional.of(lock.lockInterruptibly(key)) : lock.tryLock(key, timeout);
    }
}
