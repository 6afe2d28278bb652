package io.ironfence.benchmarks;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.infra.Blackhole;

import java.util.concurrent.TimeUnit;

/**
 * The latency of acquire + critical section + release under contention, sampled: p50, p99, p99.9
 * and max. Throughput alone hides starvation; these tails show it. Four threads on purpose, more
 * than this machine's cores, which is where non-fair locks let some callers wait long.
 */
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Threads(4)
public class WaitTimeTailBenchmark {

    @Benchmark
    public long acquireAndRelease(ExclusiveLockState lock) {
        Blackhole.consumeCPU(20);
        return lock.section.run();
    }
}
