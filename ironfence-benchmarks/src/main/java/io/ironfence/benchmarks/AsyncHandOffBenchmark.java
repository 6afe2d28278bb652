package io.ironfence.benchmarks;

import com.ibm.asyncutil.locks.AsyncLock;

import io.ironfence.Mutex;
import io.ironfence.MutexGuard;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Hand-off between asynchronous waiters: 1,000 requests queue behind a held lock, each releasing
 * in its continuation, and the first release runs the whole chain. Scored per hand-off.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class AsyncHandOffBenchmark {

    private static final int WAITERS = 1_000;

    @Param({"ironfence", "asyncUtil"})
    public String impl;

    private final Mutex<long[]> mutex = new Mutex<>(new long[1]);
    private final AsyncLock asyncUtilLock = AsyncLock.create();
    private final long[] counter = new long[1];
    @SuppressWarnings("unchecked")
    private final CompletableFuture<Void>[] chain = new CompletableFuture[WAITERS];

    @Benchmark
    @OperationsPerInvocation(WAITERS)
    public long handOff() {
        return impl.equals("ironfence") ? ironfence() : asyncUtil();
    }

    private long ironfence() {
        MutexGuard<long[]> first = mutex.lock();
        for (int i = 0; i < WAITERS; i++) {
            chain[i] = mutex.lockAsync().thenAccept(g -> {
                try (g) {
                    g.get()[0]++;
                }
            });
        }
        first.close();
        return chain[WAITERS - 1].join() == null ? counter[0] : -1;
    }

    private long asyncUtil() {
        AsyncLock.LockToken first = asyncUtilLock.acquireLock().toCompletableFuture().join();
        for (int i = 0; i < WAITERS; i++) {
            chain[i] = asyncUtilLock.acquireLock().toCompletableFuture().thenAccept(token -> {
                try (token) {
                    counter[0]++;
                }
            });
        }
        first.releaseLock();
        return chain[WAITERS - 1].join() == null ? counter[0] : -1;
    }
}
