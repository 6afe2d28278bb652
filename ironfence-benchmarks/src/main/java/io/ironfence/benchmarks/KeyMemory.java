package io.ironfence.benchmarks;

import io.ironfence.Guard;
import io.ironfence.spring.KeyedLock;
import io.ironfence.spring.NamedLockRegistry;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Memory of keyed locks, measured on the heap (not JMH): the bytes each live key costs while its
 * lock is held, whether the heap goes back to where it was once the keys are gone, and, beside
 * it, what a {@code ConcurrentHashMap<Long, ReentrantLock>} keeps after the same keys passed
 * through once. Run: {@code java -cp ironfence-benchmarks/target/benchmarks.jar
 * io.ironfence.benchmarks.KeyMemory [keys]}.
 */
public final class KeyMemory {

    private static final MemoryMXBean MEMORY = ManagementFactory.getMemoryMXBean();

    private KeyMemory() {
    }

    public static void main(String[] args) {
        int keys = args.length > 0 ? Integer.parseInt(args[0]) : 100_000;
        KeyedLock owners = new NamedLockRegistry().getKeyed("owner");
        Long warm = -1L;
        owners.lock(warm).close(); // classes loaded, maps sized once before the baseline

        long baseline = usedAfterGc();
        long whileHeld = holdThenRelease(owners, keys);
        long listBytes = 16L + 4L * keys; // the harness's own ArrayList of guards (compressed oops), not IronFence's
        long afterRelease = usedAfterGc(); // the guards' list died with holdThenRelease's frame
        System.out.printf("ironfence KeyedLock: %,d keys held: %,d bytes per live key (guard included); "
                + "after release %,d live keys, heap %+,d bytes against the baseline (%,d per key that had been live: "
                + "map tables sized for the peak)%n", keys, (whileHeld - baseline - listBytes) / keys,
                owners.getLiveKeyCount(), afterRelease - baseline, (afterRelease - baseline) / keys);

        Map<Long, ReentrantLock> never = new ConcurrentHashMap<>();
        long mapBaseline = usedAfterGc();
        for (long key = 0; key < keys; key++) {
            ReentrantLock lock = never.computeIfAbsent(key, k -> new ReentrantLock());
            lock.lock();
            lock.unlock();
        }
        long mapAfter = usedAfterGc();
        System.out.printf("ConcurrentHashMap<Long, ReentrantLock>: after %,d keys passed through (none held): "
                + "%,d bytes per key kept, %,d entries%n", keys, (mapAfter - mapBaseline) / keys, never.size());
    }

    /** @return the heap used while every key was held; released before returning */
    private static long holdThenRelease(KeyedLock owners, int keys) {
        List<Guard<Void>> held = new ArrayList<>(keys);
        for (long key = 0; key < keys; key++) {
            held.add(owners.lock(key));
        }
        long whileHeld = usedAfterGc();
        for (Guard<Void> guard : held) {
            guard.close();
        }
        return whileHeld;
    }

    private static long usedAfterGc() {
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        return MEMORY.getHeapMemoryUsage().getUsed();
    }
}
