package io.ironfence.benchmarks;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.infra.Blackhole;

import java.util.concurrent.TimeUnit;

/**
 * Throughput of a small critical section under contention. The thread count comes from the
 * command line ({@code -t 2}, {@code -t 4}, {@code -t 8}); run-benchmarks.sh runs all three. A
 * little work outside the lock keeps it from being a pure lock ping-pong.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class ContendedBenchmark {

    @Benchmark
    public long exclusive(ExclusiveLockState lock) {
        Blackhole.consumeCPU(20);
        return lock.section.run();
    }
}
