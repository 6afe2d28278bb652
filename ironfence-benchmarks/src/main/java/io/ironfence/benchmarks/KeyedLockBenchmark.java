package io.ironfence.benchmarks;

import io.ironfence.Guard;
import io.ironfence.spring.KeyedLock;
import io.ironfence.spring.KeyedLocks;
import io.ironfence.spring.NamedLockRegistry;

import com.google.common.util.concurrent.Striped;
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

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One lock per key with 1,000,000 distinct keys passing through (each call takes the next key,
 * round the million): IronFence's {@link KeyedLock} (a key's lock lives only while held or
 * waited for: created on first use, dropped on release), a {@code ConcurrentHashMap} of
 * {@code ReentrantLock}s that never evicts (a million locks stay), and Guava's
 * {@code Striped.lock(1024)} (fixed memory; unrelated keys share stripes). {@code ironfence-live-key}
 * takes and releases the lock of one key that another user keeps alive (retained, not held), so
 * its difference to {@code ironfence} is the cost of a key's first use and its eviction. IronFence
 * runs as the starter runs it: with the name's monitor (holder tracking), without metrics.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class KeyedLockBenchmark {

    static final int DISTINCT_KEYS = 1_000_000;

    @Param({"ironfence", "ironfence-live-key", "chm-reentrant", "guava-striped"})
    public String impl;

    private KeyedLock keyed;
    private KeyedLocks keyLocks;
    private final Map<Long, ReentrantLock> locks = new ConcurrentHashMap<>();
    private final Striped<Lock> striped = Striped.lock(1024);

    /**
     * Each thread walks the key space on its own, from its own start, and has a live key of its own
     * (negative, so never one of the walk's), retained for the whole trial.
     */
    @State(Scope.Thread)
    public static class Keys {
        private long next = System.identityHashCode(this);
        final Long live = -1L - System.identityHashCode(this);
        private KeyedLocks.Entry keepAlive;
        private KeyedLocks keyLocks;

        @Setup(Level.Trial)
        public void retainLiveKey(KeyedLockBenchmark benchmark) {
            keyLocks = benchmark.keyLocks;
            keepAlive = keyLocks.retain(live); // a user that waits for nothing: the key's lock stays
        }

        @TearDown(Level.Trial)
        public void releaseLiveKey() {
            keyLocks.release(live, keepAlive);
        }

        Long next() {
            return Long.valueOf(next++ % DISTINCT_KEYS);
        }
    }

    @Setup(Level.Trial)
    public void setUp() {
        NamedLockRegistry registry = new NamedLockRegistry();
        keyed = registry.getKeyed("owner");
        keyLocks = registry.get("owner").getKeyedLocks();
    }

    @Benchmark
    public Object lockAndRelease(Keys keys) {
        Long key = keys.next();
        switch (impl) {
            case "ironfence" -> {
                try (Guard<Void> held = keyed.lock(key)) {
                    return held;
                }
            }
            case "ironfence-live-key" -> {
                try (Guard<Void> held = keyed.lock(keys.live)) {
                    return held;
                }
            }
            case "chm-reentrant" -> {
                ReentrantLock lock = locks.computeIfAbsent(key, k -> new ReentrantLock());
                lock.lock();
                lock.unlock();
                return lock;
            }
            default -> {
                Lock lock = striped.get(key);
                lock.lock();
                lock.unlock();
                return lock;
            }
        }
    }
}
