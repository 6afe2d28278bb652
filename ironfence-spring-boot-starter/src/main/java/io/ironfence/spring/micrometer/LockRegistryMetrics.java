package io.ironfence.spring.micrometer;

import io.ironfence.micrometer.LockMetrics;
import io.ironfence.spring.DeadlockDetector;
import io.ironfence.spring.LockType;
import io.ironfence.spring.NamedLock;
import io.ironfence.spring.NamedLockRegistry;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.MeterBinder;

import org.jspecify.annotations.Nullable;

import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The meters of every lock in a {@link NamedLockRegistry}, each name once (a keyed lock's per-key
 * locks report under its name, never a tag per key): the locks known at start-up, and those
 * created later as they are. Bound to each {@link MeterRegistry} it is given (Spring Boot binds
 * {@code MeterBinder} beans to every registry).
 */
public class LockRegistryMetrics implements MeterBinder {

    /** Deadlocks reported ({@link DeadlockDetector}): counter, no {@code lock} tag (a cycle spans locks). */
    public static final String DEADLOCKS = "ironfence.lock.deadlocks";

    private final ConcurrentHashMap<String, LockMetrics> metrics = new ConcurrentHashMap<>();
    private final List<MeterRegistry> registries = new CopyOnWriteArrayList<>();
    private final @Nullable DeadlockDetector deadlocks;

    /** @param locks the registry whose locks, present and future, get meters */
    public LockRegistryMetrics(NamedLockRegistry locks) {
        this(locks, null);
    }

    /**
     * @param locks     the registry whose locks, present and future, get meters
     * @param deadlocks whose reports {@value #DEADLOCKS} counts, or null
     */
    public LockRegistryMetrics(NamedLockRegistry locks, @Nullable DeadlockDetector deadlocks) {
        this.deadlocks = deadlocks;
        locks.forEachLock(this::add);
    }

    private void add(NamedLock lock) {
        // Synchronized with bindTo: a lock added while a registry is being bound is bound exactly once.
        synchronized (this) {
            if (metrics.containsKey(lock.getName())) {
                return;
            }
            LockMetrics lockMetrics = new LockMetrics(lock.getName(), lock.getType() == LockType.RWLOCK,
                    lock::getWaitingCount, lock::getHolderCount, Tags.empty());
            lock.addListener(lockMetrics.listener());
            metrics.put(lock.getName(), lockMetrics);
            registries.forEach(lockMetrics::bindTo);
        }
    }

    @Override
    public synchronized void bindTo(MeterRegistry registry) {
        registries.add(registry);
        metrics.values().forEach(lockMetrics -> lockMetrics.bindTo(registry));
        if (deadlocks != null) {
            FunctionCounter.builder(DEADLOCKS, deadlocks, DeadlockDetector::getDeadlocksFound)
                    .description("Cycles of threads found waiting for IronFence locks held by each other")
                    .register(registry);
        }
    }
}
