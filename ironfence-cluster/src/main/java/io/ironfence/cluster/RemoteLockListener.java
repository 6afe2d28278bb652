package io.ironfence.cluster;

/**
 * Observes the remote side of a cluster lock: each request to the server and how it ended, each
 * remote hold's release, and each remote hold found lost. One remote hold serves many local
 * holders (see {@link ClusterRWLock}), so these events are fewer than the lock's own. Callbacks run
 * on engine threads and must be quick; an exception thrown by one is logged and ignored.
 *
 * @see ClusterRWLock#addRemoteListener(RemoteLockListener)
 */
public interface RemoteLockListener {

    /** How a request to the server ended. */
    enum Outcome {
        /** Granted. */
        ACQUIRED,
        /** Its time ran out. */
        TIMEOUT,
        /** Withdrawn: every local caller waiting for it gave up. */
        CANCELLED,
        /** The server could not be asked or failed the request (unreachable, refused, session died). */
        FAILED;

        /** @return the value of the {@code outcome} tag */
        public String tagValue() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /**
     * A request to the server ended.
     *
     * @param shared    whether it asked for a shared hold
     * @param outcome   how it ended
     * @param waitNanos how long it took
     */
    default void onRemoteWait(boolean shared, Outcome outcome, long waitNanos) {
    }

    /**
     * A remote hold ended: released, downgraded, or found lost.
     *
     * @param shared    whether it was shared
     * @param heldNanos how long it was held
     */
    default void onRemoteRelease(boolean shared, long heldNanos) {
    }

    /**
     * A remote hold was found lost (its session died, or the server restarted): its holders no
     * longer exclude anyone.
     *
     * @param shared whether it was shared
     */
    default void onRemoteLost(boolean shared) {
    }
}
