package io.ironfence.cluster;

import io.ironfence.Guard;

import java.util.concurrent.CompletableFuture;

/**
 * A hold of a cluster lock, as its holder sees it. Closing it releases the hold (or passes it to a
 * local waiter of the same instance). {@link #get()} returns null: a cluster lock guards code, not
 * a value.
 */
public interface ClusterGuard extends Guard<Void> {

    /** @return whether the cluster lock is still held: false once closed, or once its remote hold is found lost */
    boolean isValid();

    /**
     * @return completes when the remote hold behind this guard is found lost while the guard holds
     *         it; never for a guard closed before (each call returns a new future)
     */
    CompletableFuture<Void> whenLost();

    /**
     * Releases the hold, as {@link #close()} does, and tells whether it was held without a break
     * until now: the answer a holder needs when it cannot let a lost lock pass unnoticed. When the
     * release goes to the server it costs nothing more (a session that answers the release never
     * lost the lock); when the hold is kept for a local waiter or still shared with local readers,
     * the server is asked (one round trip).
     *
     * @return false if the hold was lost at any time while this guard held it, or if the guard
     *         was closed before
     */
    boolean release();

    /**
     * The fencing token of this hold, for a protected resource to refuse writes from an older
     * holder. It is issued on the lock's own session when first asked for (a durable write), so
     * holders that never ask pay nothing; later calls return the same token.
     *
     * @return the token; -1 if the engine cannot issue tokens. Exclusive holders get a token
     *         greater than any issued before for the name and key anywhere in the cluster; the
     *         readers of an instance share the token of the remote shared hold they share.
     * @throws IllegalStateException if the hold was lost before its token was issued: the holder
     *                               must not act as the holder
     */
    long fencingToken();
}
