package io.ironfence.cluster;

import io.ironfence.spi.LockListener;

/**
 * What monitoring needs of a cluster lock, exclusive or read-write: its events, local and remote,
 * and its counts now. Implemented by {@link ClusterLock} and {@link ClusterRWLock}.
 */
public interface ObservableClusterLock {

    /** @return the lock's name */
    String getName();

    /**
     * Attaches a listener that sees every request, its grant (once the local queue and the server
     * granted it) or give-up, and every release. Attach listeners before the lock is used.
     *
     * @param listener the listener
     */
    void addListener(LockListener listener);

    /**
     * Attaches a listener to the remote side: requests to the server, remote holds and their loss.
     * Attach listeners before the lock is used.
     *
     * @param listener the listener
     */
    void addRemoteListener(RemoteLockListener listener);

    /** @return requests waiting now, in the local queue or at the server */
    int getWaitingCount();

    /** @return holds now (each local reader counts) */
    int getHolderCount();

    /** @return the number of keys (the single lock counts as one) with a local holder, waiter or kept remote hold */
    int getLiveKeyCount();

    /** @return how many times a release kept the remote exclusive hold for a local waiter */
    long getLocalHandoffs();

    /** @return how many remote holds of this lock were found lost */
    long getLostHolds();
}
