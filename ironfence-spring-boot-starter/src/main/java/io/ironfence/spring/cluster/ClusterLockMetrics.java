package io.ironfence.spring.cluster;

import io.ironfence.cluster.ObservableClusterLock;
import io.ironfence.cluster.RemoteLockListener;
import io.ironfence.micrometer.LockMetrics;
import io.ironfence.spring.LockScope;
import io.ironfence.spring.NamedLock;
import io.ironfence.spring.NamedLockRegistry;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.MeterBinder;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.IntSupplier;

/**
 * The remote meters of cluster-scoped locks, beside the five meters every lock has (which, for a
 * cluster lock, measure the whole wait: local queue and server):
 * <table>
 *   <caption>Meters</caption>
 *   <tr><th>Name</th><th>Type</th><th>Tags</th></tr>
 *   <tr><td>{@code ironfence.lock.remote.wait}</td><td>Timer</td><td>{@code lock}, {@code mode}, {@code outcome}
 *       (acquired, timeout, cancelled, failed)</td></tr>
 *   <tr><td>{@code ironfence.lock.remote.held}</td><td>Timer</td><td>{@code lock}, {@code mode}</td></tr>
 *   <tr><td>{@code ironfence.lock.remote.lost}</td><td>Counter</td><td>{@code lock}</td></tr>
 *   <tr><td>{@code ironfence.lock.remote.local-handoffs}</td><td>Counter</td><td>{@code lock}</td></tr>
 *   <tr><td>{@code ironfence.lock.remote.connections}</td><td>Gauge</td><td>none: the sessions are shared by
 *       every cluster lock of the instance</td></tr>
 * </table>
 * One remote hold serves many local holders, so the remote meters count fewer events than the
 * lock's own; the difference is what cohorting saved.
 */
public final class ClusterLockMetrics implements MeterBinder {

    /** Timer: a request to the server, from sending to its answer. */
    public static final String REMOTE_WAIT = "ironfence.lock.remote.wait";
    /** Timer: a remote hold, from grant to release (or loss). */
    public static final String REMOTE_HELD = "ironfence.lock.remote.held";
    /** Counter: remote holds found lost. */
    public static final String REMOTE_LOST = "ironfence.lock.remote.lost";
    /** Counter: releases that kept the remote hold for a local waiter. */
    public static final String LOCAL_HANDOFFS = "ironfence.lock.remote.local-handoffs";
    /** Gauge: database sessions open for cluster locks. */
    public static final String CONNECTIONS = "ironfence.lock.remote.connections";

    private final List<MeterRegistry> registries = new CopyOnWriteArrayList<>();
    private final List<NamedLock> locks = new CopyOnWriteArrayList<>();
    private final IntSupplier connections;

    /**
     * @param registry    the locks: the cluster-scoped ones, present and future, get remote meters
     * @param connections the sessions open now
     */
    public ClusterLockMetrics(NamedLockRegistry registry, IntSupplier connections) {
        this.connections = connections;
        registry.forEachLock(this::add);
    }

    private synchronized void add(NamedLock lock) {
        if (lock.getScope() != LockScope.CLUSTER || locks.contains(lock)) {
            return;
        }
        locks.add(lock);
        observable(lock).addRemoteListener(new Recorder(lock.getName()));
        registries.forEach(registry -> bindHandoffs(registry, lock));
    }

    @Override
    public synchronized void bindTo(MeterRegistry registry) {
        registries.add(registry);
        Gauge.builder(CONNECTIONS, connections, IntSupplier::getAsInt).strongReference(true)
                .description("Database sessions open for cluster locks (held, waiting or idle)").register(registry);
        locks.forEach(lock -> bindHandoffs(registry, lock));
    }

    /** The handles of this package serve observable cluster locks. */
    private static ObservableClusterLock observable(NamedLock lock) {
        return (ObservableClusterLock) lock.getCluster().lock();
    }

    private static void bindHandoffs(MeterRegistry registry, NamedLock lock) {
        FunctionCounter.builder(LOCAL_HANDOFFS, observable(lock), ObservableClusterLock::getLocalHandoffs)
                .tag(LockMetrics.LOCK_TAG, lock.getName())
                .description("Releases that kept the remote hold for a local waiter").register(registry);
        Counter.builder(REMOTE_LOST).tag(LockMetrics.LOCK_TAG, lock.getName())
                .description("Remote holds found lost").register(registry);
    }

    /** Records one lock's remote events into every registry. */
    private final class Recorder implements RemoteLockListener {

        private final String name;

        Recorder(String name) {
            this.name = name;
        }

        @Override
        public void onRemoteWait(boolean shared, Outcome outcome, long waitNanos) {
            for (MeterRegistry registry : registries) {
                Timer.builder(REMOTE_WAIT).tag(LockMetrics.LOCK_TAG, name).tag(LockMetrics.MODE_TAG, mode(shared))
                        .tag(LockMetrics.OUTCOME_TAG, outcome.tagValue())
                        .description("Requests to the server, until its answer").register(registry)
                        .record(waitNanos, TimeUnit.NANOSECONDS);
            }
        }

        @Override
        public void onRemoteRelease(boolean shared, long heldNanos) {
            for (MeterRegistry registry : registries) {
                Timer.builder(REMOTE_HELD).tag(LockMetrics.LOCK_TAG, name).tag(LockMetrics.MODE_TAG, mode(shared))
                        .description("Remote holds, from grant to release or loss").register(registry)
                        .record(heldNanos, TimeUnit.NANOSECONDS);
            }
        }

        @Override
        public void onRemoteLost(boolean shared) {
            for (MeterRegistry registry : registries) {
                Counter.builder(REMOTE_LOST).tag(LockMetrics.LOCK_TAG, name)
                        .description("Remote holds found lost").register(registry).increment();
            }
        }

        private static String mode(boolean shared) {
            return shared ? "shared" : "exclusive";
        }
    }
}
