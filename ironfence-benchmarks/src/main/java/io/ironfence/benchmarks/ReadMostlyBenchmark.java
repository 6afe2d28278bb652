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

import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/** Read-mostly traffic (90 % or 99 % reads) from four threads on one read-write lock. */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Threads(4)
public class ReadMostlyBenchmark {

    @Param({"ironfence", "reentrant", "stamped"})
    public String impl;

    @Param({"90", "99"})
    public int readPercent;

    private Locks.ReadWriteSection section;

    @Setup
    public void setUp() {
        section = Locks.readWrite(impl);
    }

    @Benchmark
    public long mixed() {
        Blackhole.consumeCPU(20);
        return ThreadLocalRandom.current().nextInt(100) < readPercent ? section.read() : section.write();
    }
}
