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

import java.util.concurrent.TimeUnit;

/**
 * One thread, nobody else: a free cluster lock taken and released, with and without fencing
 * tokens (a durable write per grant), beside {@link RoundTripBenchmark}'s {@code SELECT 1}.
 */
@State(Scope.Benchmark)
public class ClusterUncontendedBenchmark {

    @Param({"ironfence", "ironfence-no-tokens", "jdbc-registry"})
    public String implementation;

    private ClusterInstance instance;
    private long counter;

    @Setup(Level.Trial)
    public void start() {
        instance = ClusterInstance.create(implementation, "uncontended");
    }

    @TearDown(Level.Trial)
    public void stop() {
        instance.close();
    }

    @Benchmark
    @Threads(1)
    @BenchmarkMode(Mode.AverageTime)
    @OutputTimeUnit(TimeUnit.MICROSECONDS)
    public void uncontended() throws Exception {
        instance.locked(() -> counter++);
    }
}
