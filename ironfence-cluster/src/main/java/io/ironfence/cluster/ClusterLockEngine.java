package io.ironfence.cluster;

import org.jspecify.annotations.Nullable;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeoutException;

/**
 * An engine of cluster-wide locks: one remote hold per request, each on a session (connection) of
 * its own, so that a hold can be released on any thread and waits end without touching other holds.
 * <p>
 * The engine does not queue callers of one instance: the cohorting layer in front of it does, so
 * that one request per instance and key reaches the server. Engines for other servers (Spring
 * Integration's lock registries, Redisson) implement this interface too; nothing above it knows
 * which engine runs.
 */
public interface ClusterLockEngine extends AutoCloseable {

    /**
     * Requests the remote lock of a key without blocking the caller.
     * <p>
     * The future completes with the hold once the server grants it; exceptionally with a
     * {@link TimeoutException} when {@code timeout} runs out, and with the server's error when it
     * cannot be reached. Cancelling the future withdraws the request; a grant that races with the
     * cancel is released, never leaked.
     *
     * @param lockKey the 64-bit key ({@link ClusterLockKeys#of})
     * @param shared  whether a shared (read) hold is requested, else an exclusive one
     * @param timeout how long to wait at most, counted from the call; null to wait without limit
     * @return the future of the hold
     */
    CompletableFuture<RemoteHold> acquire(long lockKey, boolean shared, @Nullable Duration timeout);

    /**
     * Takes the remote lock of a key if it is free now, on the calling thread, without waiting:
     * for a caller that would block anyway, it saves handing the request to another thread and
     * the grant back. Returns null whenever that cannot be done at once (the lock is taken, no
     * session is ready): the caller then uses {@link #acquire}.
     *
     * @param lockKey the 64-bit key
     * @param shared  whether a shared hold is requested
     * @return the hold, or null
     */
    default @Nullable RemoteHold tryAcquireNow(long lockKey, boolean shared) {
        return null;
    }

    /** @return the number of sessions the engine has open now (held, waiting or idle) */
    int openSessions();

    /**
     * Asks the server who holds and who waits for a key, every instance included, for operators.
     *
     * @param lockKey the 64-bit key
     * @return holders first, then waiters; empty if the engine cannot tell
     */
    default List<RemoteHolder> describe(long lockKey) {
        return List.of();
    }

    /**
     * A holder of, or a waiter for, a remote lock, as the server sees it.
     *
     * @param instance the instance's id (for PostgreSQL, the session's {@code application_name})
     * @param shared   whether it holds or wants a shared hold
     * @param granted  whether it holds the lock, else it waits
     * @param session  the server's id of the session (for PostgreSQL, its process id)
     * @param since    when the session last changed state (about when it got or asked for the lock), if known
     */
    record RemoteHolder(String instance, boolean shared, boolean granted, int session, @Nullable Instant since) {
    }

    /** Releases every hold and closes every session. */
    @Override
    void close();

    /** A hold of a remote lock, granted on a session of its own. */
    interface RemoteHold extends AutoCloseable {

        /** @return the 64-bit key held */
        long lockKey();

        /** @return whether the hold is shared */
        boolean shared();

        /**
         * @return the fencing token of this grant: strictly greater than every token issued before
         *         for the same key across the cluster, so a protected resource can refuse writes
         *         from an older holder; -1 if the engine cannot issue tokens (see its documentation).
         *         An engine may issue it when first asked, while the hold lasts.
         * @throws IllegalStateException if the hold was lost before its token was issued
         */
        long fencingToken();

        /**
         * Issues a new fencing token on the held session, for the next local holder when the
         * instance passes the hold on without releasing it remotely: tokens must increase with
         * every holder, not only with every remote grant.
         *
         * @return the new token; -1 if the engine cannot issue tokens
         * @throws IllegalStateException if the hold is no longer valid
         */
        long nextFencingToken();

        /** @return false once the hold is known to be lost (its session died) or released */
        boolean isValid();

        /** @return completes when the hold is found lost; never completes for a hold released normally */
        CompletableFuture<Void> whenLost();

        /**
         * Turns this exclusive hold into a shared one, atomically: on the same session, so no
         * other exclusive request can be granted in between. This hold is closed by the call (its
         * {@link #whenLost()} no longer completes); the returned hold keeps the fencing token.
         *
         * @return the shared hold
         * @throws IllegalStateException if this hold is shared, or no longer valid
         */
        RemoteHold downgrade();

        /** Releases the remote hold. Idempotent; never throws. */
        @Override
        void close();

        /**
         * Releases the remote hold, as {@link #close()}, and tells whether it was held without a
         * break until now. An engine whose release is a round trip on the hold's session gets the
         * answer for free: a session that answers the release never lost the lock.
         *
         * @return false if the hold was lost at any time (found now or before), or already released
         */
        default boolean release() {
            boolean intact = isValid();
            close();
            return intact;
        }

        /**
         * Asks the server whether the hold is still there (a round trip on its session, for an
         * engine that can), marking it lost if it is not.
         *
         * @return whether it is still held
         */
        default boolean verify() {
            return isValid();
        }
    }
}
