package io.ironfence.spring;

import io.ironfence.Guard;
import io.ironfence.spi.LockListener;

import org.jspecify.annotations.Nullable;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * What the {@link NamedLockRegistry} needs to serve names declared {@code scope: cluster}. The
 * starter implements it with {@code io.ironfence:ironfence-cluster} when that module is on the
 * class path ({@code io.ironfence.spring.cluster}); this interface names none of its types, so the
 * rest of the starter loads without it.
 */
public interface ClusterLocks {

    /**
     * Creates the cluster lock of a name.
     *
     * @param name the lock's name, the same on every instance
     * @param type mutex (a {@code ClusterLock}) or rwlock (a {@code ClusterRWLock})
     * @return the lock
     * @throws IllegalStateException if the cluster's database is not configured or cannot be reached
     */
    Handle create(String name, LockType type);

    /**
     * @param type mutex or rwlock
     * @return the class of the lock objects {@link Handle#lock()} returns for that type (the bean type)
     */
    Class<?> lockClass(LockType type);

    /** One cluster-scoped name, as the registry, the annotations and the endpoint use it. */
    interface Handle {

        /** @return the lock object code uses: a {@code ClusterLock} or a {@code ClusterRWLock} */
        Object lock();

        /** @return this instance's id on the server */
        String instanceId();

        /**
         * Requests the lock without blocking.
         *
         * @param key     the key, or null for the single lock of the name
         * @param shared  a read hold, else a write hold
         * @param timeout how long to wait in all; null for no limit
         * @return the future of the guard; it fails with a {@code TimeoutException} on timeout, and
         *         cancelling it withdraws the request
         * @throws IllegalArgumentException if the key's type does not encode the same in every JVM
         */
        CompletableFuture<? extends Guard<?>> acquireAsync(@Nullable Object key, boolean shared,
                @Nullable Duration timeout);

        /**
         * Waits for the lock, interruptibly.
         *
         * @param timeout how long to wait in all; null for no limit
         * @return the guard, or empty on timeout
         * @throws InterruptedException if interrupted (the lock is not held then)
         */
        Optional<? extends Guard<?>> acquire(@Nullable Object key, boolean shared, @Nullable Duration timeout)
                throws InterruptedException;

        /**
         * Releases one of this lock's guards and tells whether its hold was intact until then (a
         * lost hold is found for sure: see {@code ClusterGuard.release()}).
         *
         * @return false if the hold was lost while held
         */
        boolean release(Guard<?> guard);

        /**
         * Logs an ERROR naming the lock, the key and the holder if the hold behind the guard is
         * found lost while held.
         *
         * @param guard  one of this lock's guards
         * @param key    its key, or null
         * @param holder who holds it, e.g. the annotated method
         */
        void reportLoss(Guard<?> guard, @Nullable Object key, String holder);

        /** @param listener sees requests, grants (local queue and server together), releases and give-ups */
        void addListener(LockListener listener);

        /** @return requests waiting now, locally or at the server */
        int getWaitingCount();

        /** @return holds now in this instance */
        int getHolderCount();

        /** @return keys in use now in this instance */
        int getLiveKeyCount();

        /** @return remote holds of this lock found lost since start-up */
        long getLostHolds();

        /**
         * Asks the server who holds and who waits for the single lock of the name, on every
         * instance (a keyed name's keys are not listed: they may be personal data).
         *
         * @return holders first, then waiters
         */
        List<RemoteHolder> describeRemote();
    }

    /**
     * A holder of, or a waiter for, a cluster lock, as the server sees it.
     *
     * @param instance the instance's id ({@code ironfence.cluster.instance-id})
     * @param mode     exclusive or shared
     * @param granted  whether it holds the lock, else it waits
     * @param since    about when it got or asked for the lock, if known
     */
    record RemoteHolder(String instance, String mode, boolean granted, @Nullable Instant since) {
    }
}
