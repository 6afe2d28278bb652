package io.ironfence.cluster.postgres;

import io.ironfence.cluster.ClusterLockEngine;

import org.jspecify.annotations.Nullable;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

/** Counts the remote requests an instance makes. */
final class CountingEngine implements ClusterLockEngine {

    final AtomicInteger requests = new AtomicInteger();
    private final ClusterLockEngine delegate;

    CountingEngine(ClusterLockEngine delegate) {
        this.delegate = delegate;
    }

    @Override
    public CompletableFuture<RemoteHold> acquire(long lockKey, boolean shared, @Nullable Duration timeout) {
        requests.incrementAndGet();
        return delegate.acquire(lockKey, shared, timeout);
    }

    @Override
    public int openSessions() {
        return delegate.openSessions();
    }

    @Override
    public void close() {
        delegate.close();
    }
}
