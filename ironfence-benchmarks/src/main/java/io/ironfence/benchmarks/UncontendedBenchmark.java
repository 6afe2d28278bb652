package io.ironfence.benchmarks;

import com.ibm.asyncutil.locks.AsyncLock;

import io.ironfence.Mutex;
import io.ironfence.MutexGuard;
import io.ironfence.RWLock;
import io.ironfence.ReadGuard;
import io.ironfence.WriteGuard;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.concurrent.locks.StampedLock;

/**
 * One thread, acquire and release of a free lock with a one-increment critical section. Method
 * names are {@code <shape>_<implementation>}: the report compares each IronFence method with the
 * peers of the same shape.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class UncontendedBenchmark {

    private final Mutex<long[]> mutex = new Mutex<>(new long[1]);
    private final RWLock<long[]> rwLock = new RWLock<>(new long[1]);
    private final ReentrantLock reentrantLock = new ReentrantLock();
    private final ReentrantReadWriteLock reentrantReadWriteLock = new ReentrantReadWriteLock();
    private final StampedLock stampedLock = new StampedLock();
    private final Object monitor = new Object();
    private final AsyncLock asyncUtilLock = AsyncLock.create();
    private final long[] counter = new long[1];

    // ------------------------------------------------------------------ exclusive

    @Benchmark
    public long mutex_ironfence() {
        try (MutexGuard<long[]> g = mutex.lock()) {
            return ++g.get()[0];
        }
    }

    @Benchmark
    public long mutex_reentrantLock() {
        reentrantLock.lock();
        try {
            return ++counter[0];
        } finally {
            reentrantLock.unlock();
        }
    }

    @Benchmark
    public long mutex_synchronized() {
        synchronized (monitor) {
            return ++counter[0];
        }
    }

    // ------------------------------------------------------------------ shared

    @Benchmark
    public long read_ironfence() {
        try (ReadGuard<long[]> g = rwLock.read()) {
            return g.get()[0];
        }
    }

    @Benchmark
    public long read_reentrantReadWriteLock() {
        ReentrantReadWriteLock.ReadLock lock = reentrantReadWriteLock.readLock();
        lock.lock();
        try {
            return counter[0];
        } finally {
            lock.unlock();
        }
    }

    @Benchmark
    public long read_stampedLock() {
        long stamp = stampedLock.readLock();
        try {
            return counter[0];
        } finally {
            stampedLock.unlockRead(stamp);
        }
    }

    // ------------------------------------------------------------------ exclusive of a read-write lock

    @Benchmark
    public long write_ironfence() {
        try (WriteGuard<long[]> g = rwLock.write()) {
            return ++g.get()[0];
        }
    }

    @Benchmark
    public long write_reentrantReadWriteLock() {
        ReentrantReadWriteLock.WriteLock lock = reentrantReadWriteLock.writeLock();
        lock.lock();
        try {
            return ++counter[0];
        } finally {
            lock.unlock();
        }
    }

    @Benchmark
    public long write_stampedLock() {
        long stamp = stampedLock.writeLock();
        try {
            return ++counter[0];
        } finally {
            stampedLock.unlockWrite(stamp);
        }
    }

    // ------------------------------------------------------------------ async, lock already free

    @Benchmark
    public long async_ironfence() {
        try (MutexGuard<long[]> g = mutex.lockAsync().join()) {
            return ++g.get()[0];
        }
    }

    @Benchmark
    public long async_asyncUtil() {
        try (AsyncLock.LockToken token = asyncUtilLock.acquireLock().toCompletableFuture().join()) {
            return ++counter[0];
        }
    }
}
