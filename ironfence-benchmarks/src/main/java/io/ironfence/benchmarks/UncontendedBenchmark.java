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
 * <p>
 * Besides the suite's own shape (locks in a per-thread state, the incremented value returned),
 * {@code void_*} and {@code shared_*} are the shapes a new user tends to write: a {@code void}
 * method, and a {@code void} method on locks in one state object shared by the benchmark's threads
 * (here one thread), which JMH reaches through a parameter instead of {@code this}.
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

    // ------------------------------------------------------------------ exclusive, void

    @Benchmark
    public void void_ironfence() {
        try (MutexGuard<long[]> g = mutex.lock()) {
            g.get()[0]++;
        }
    }

    @Benchmark
    public void void_reentrantLock() {
        reentrantLock.lock();
        try {
            counter[0]++;
        } finally {
            reentrantLock.unlock();
        }
    }

    @Benchmark
    public void void_synchronized() {
        synchronized (monitor) {
            counter[0]++;
        }
    }

    // ------------------------------------------------------------------ exclusive, void, state shared by the benchmark

    /** Locks in one object for all of the benchmark's threads, as a user's service would hold them. */
    @State(Scope.Benchmark)
    public static class SharedLocks {
        final Mutex<long[]> mutex = new Mutex<>(new long[1]);
        final ReentrantLock reentrantLock = new ReentrantLock();
        final Object monitor = new Object();
        final long[] counter = new long[1];
    }

    @Benchmark
    public void shared_ironfence(SharedLocks locks) {
        try (var g = locks.mutex.lock()) {
            g.get()[0]++;
        }
    }

    @Benchmark
    public void shared_reentrantLock(SharedLocks locks) {
        locks.reentrantLock.lock();
        try {
            locks.counter[0]++;
        } finally {
            locks.reentrantLock.unlock();
        }
    }

    @Benchmark
    public void shared_synchronized(SharedLocks locks) {
        synchronized (locks.monitor) {
            locks.counter[0]++;
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
