/**
 * Cluster scope: locks that hold across every instance of a service.
 * {@link io.ironfence.cluster.ClusterLock} (exclusive) and {@link io.ironfence.cluster.ClusterRWLock}
 * (shared and exclusive) queue an instance's callers locally and keep one remote hold per instance
 * and key; {@link io.ironfence.cluster.ClusterLockEngine} is the engine SPI (one remote hold per request, on a session of its own);
 * {@link io.ironfence.cluster.ClusterLockKeys} turns a lock name and key into the 64-bit key every
 * JVM computes alike; {@link io.ironfence.cluster.postgres.PostgresLockEngine} is the engine on
 * PostgreSQL session-level advisory locks.
 * <p>Nothing in this package is null unless marked {@code @Nullable}.
 */
@NullMarked
package io.ironfence.cluster;

import org.jspecify.annotations.NullMarked;
