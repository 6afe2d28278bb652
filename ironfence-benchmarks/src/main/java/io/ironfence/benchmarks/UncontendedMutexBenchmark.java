package io.ironfence.benchmarks;

import io.ironfence.Mutex;
import io.ironfence.MutexGuard;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One thread, acquire + release of a free lock, IronFence beside {@link ReentrantLock} and
 * {@code synchronized}. The full suite comes with the benchmarks issue.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(2)
public class UncontendedMutexBenchmark {

    private final Mutex<long[]> mutex = new Mutex<>(new long[1]);
    private final ReentrantLock reentrantLock = new ReentrantLock();
    private final Object monitor = new Object();
    private final long[] counter = new long[1];

    @Benchmark
    public long ironfenceMutex() {
        try (MutexGuard<long[]> g = mutex.lock()) {
            return ++g.get()[0];
        }
    }

    @Benchmark
    public long reentrantLock() {
        reentrantLock.lock();
        try {
            return ++counter[0];
        } finally {
            reentrantLock.unlock();
        }
    }

    @Benchmark
    public long synchronizedBlock() {
        synchronized (monitor) {
            return ++counter[0];
        }
    }
}
