package io.ironfence.benchmarks;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.infra.Blackhole;

import java.util.concurrent.TimeUnit;

/**
 * The latency of acquire + critical section + release under contention, sampled: p50, p99, p99.9
 * and max. Throughput alone hides starvation; these tails show it. Four threads on purpose, more
 * than this machine's cores, which is where non-fair locks let some callers wait long.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Threads(4)
public class WaitTimeTailBenchmark {

    @Param({"ironfence", "reentrant", "reentrant-fair"})
    public String impl;

    private Locks.ExclusiveSection section;

    @Setup
    public void setUp() {
        section = Locks.exclusive(impl);
    }

    @Benchmark
    public long acquireAndRelease() {
        Blackhole.consumeCPU(20);
        return section.run();
    }
}
