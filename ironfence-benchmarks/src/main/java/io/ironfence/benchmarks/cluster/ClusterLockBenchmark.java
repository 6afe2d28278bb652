package io.ironfence.benchmarks.cluster;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.infra.ThreadParams;

import java.util.concurrent.TimeUnit;

/**
 * One cluster-wide lock, two instances of a service (each with its own connections and identity,
 * in one JVM), on a real PostgreSQL: IronFence, IronFence without cohorting (every waiter its own
 * request to the server), and Spring Integration's {@code JdbcLockRegistry} at its default 100 ms
 * between tries and tuned to 10 ms. Run by {@code run-cluster-benchmarks.sh}, which starts the server.
 * Hand-off latency: {@link ClusterHandOffBenchmark}; one free lock: {@link ClusterUncontendedBenchmark}.
 */
public class ClusterLockBenchmark {

    /** Two instances of the implementation under test. */
    @State(Scope.Benchmark)
    public static class Instances {

        @Param({"ironfence", "ironfence-no-cohorting", "jdbc-registry", "jdbc-registry-10ms"})
        public String implementation;

        ClusterInstance[] instances;
        /** Guarded by the lock under test: a small critical section. */
        long counter;

        @Setup(Level.Trial)
        public void start() {
            instances = new ClusterInstance[] {ClusterInstance.create(implementation, "bench-a"),
                    ClusterInstance.create(implementation, "bench-b")};
        }

        @TearDown(Level.Trial)
        public void stop() {
            for (ClusterInstance instance : instances) {
                instance.close();
            }
        }
    }

    /** The instance a benchmark thread belongs to: threads alternate between the two. */
    @State(Scope.Thread)
    public static class Caller {

        ClusterInstance instance;
        Runnable criticalSection;

        @Setup(Level.Trial)
        public void pick(Instances instances, ThreadParams thread) {
            instance = instances.instances[thread.getThreadIndex() % 2];
            criticalSection = () -> instances.counter++;
        }
    }

    /** 2 instances x 8 threads on one lock: throughput of the cluster. */
    @Benchmark
    @Threads(16)
    @BenchmarkMode(Mode.Throughput)
    @OutputTimeUnit(TimeUnit.SECONDS)
    public void contended(Caller caller) throws Exception {
        caller.instance.locked(caller.criticalSection);
    }
}
