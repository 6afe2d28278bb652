package io.ironfence.spring.aop;

import io.ironfence.cluster.ClusterGuard;

/**
 * The cluster hold of the annotated method running on this thread, for code inside it that needs
 * its fencing token or wants to check that the lock is still held:
 *
 * <pre>{@code
 * @WithLock("payouts")
 * public void pay(Payout payout) {
 *     long token = ClusterHolds.current("payouts").fencingToken();
 *     ledger.write(payout, token); // the ledger refuses a token lower than one it has seen
 * }
 * }</pre>
 * An asynchronous method's body sees its hold while it runs on the thread the lock was granted on
 * (the code that builds the returned stage); read the guard there and pass it on to later stages.
 * Only loaded when {@code io.ironfence:ironfence-cluster} is on the class path.
 */
public final class ClusterHolds {

    private ClusterHolds() {
    }

    /**
     * @param lockName the cluster lock's name
     * @return the guard of the innermost annotated method on this thread that holds it
     * @throws IllegalStateException if no annotated method on this thread holds that cluster lock
     *                               (a nested call that passed through sees its caller's hold)
     */
    public static ClusterGuard current(String lockName) {
        Object guard = HeldLocks.current().guardOf(lockName);
        if (guard instanceof ClusterGuard clusterGuard) {
            return clusterGuard;
        }
        throw new IllegalStateException(guard == null
                ? "No @WithLock or @ReadLocked method on this thread holds lock '" + lockName + "'. Call "
                        + "ClusterHolds.current from inside the annotated method (for an async one, where its body "
                        + "starts), or keep the ClusterGuard of a lock taken in code."
                : "Lock '" + lockName + "' is local, not cluster-scoped: it has no fencing token. Declare "
                        + "ironfence.locks." + lockName + ".scope=cluster.");
    }
}
