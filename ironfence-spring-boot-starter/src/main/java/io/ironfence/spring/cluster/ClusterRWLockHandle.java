package io.ironfence.spring.cluster;

import io.ironfence.Guard;
import io.ironfence.cluster.ClusterLockEngine;
import io.ironfence.cluster.ClusterRWLock;

import org.jspecify.annotations.Nullable;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/** A cluster-scoped rwlock name: its {@link ClusterRWLock}. */
final class ClusterRWLockHandle extends AbstractHandle {

    private final ClusterRWLock lock;

    ClusterRWLockHandle(ClusterRWLock lock, ClusterLockEngine engine, String instanceId) {
        super(lock, engine, instanceId);
        this.lock = lock;
    }

    @Override
    public ClusterRWLock lock() {
        return lock;
    }

    @Override
    public CompletableFuture<? extends Guard<?>> acquireAsync(@Nullable Object key, boolean shared,
            @Nullable Duration timeout) {
        return shared ? lock.readAsync(key, timeout) : lock.writeAsync(key, timeout);
    }

    @Override
    public Optional<? extends Guard<?>> acquire(@Nullable Object key, boolean shared, @Nullable Duration timeout)
            throws InterruptedException {
        if (timeout == null) {
            return Optional.of(shared ? lock.readInterruptibly(key) : lock.writeInterruptibly(key));
        }
        return shared ? lock.tryRead(key, timeout) : lock.tryWrite(key, timeout);
    }
}
