package io.ironfence.spring;

import org.jspecify.annotations.Nullable;
import org.springframework.context.SmartLifecycle;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The periodic check of the locks: holds that have passed their lock's
 * {@code warn-held-longer-than} (each lock's {@link LockMonitor} logs them, once each) and, with a
 * {@link DeadlockDetector}, threads deadlocked on IronFence locks. Its look at each hold is also
 * where a hold whose grant the lock did not time starts its age ({@link LockMonitor.Holder#isAgeExact()}). Runs on one daemon thread, at
 * half the shortest threshold (between 10 ms and 1 s; 1 s when no threshold is set), only while
 * the application context runs.
 */
public class StuckHoldDetector implements SmartLifecycle {

    private static final Duration MIN_INTERVAL = Duration.ofMillis(10);
    private static final Duration MAX_INTERVAL = Duration.ofSeconds(1);

    private final NamedLockRegistry registry;
    private final @Nullable DeadlockDetector deadlocks;
    private @Nullable ScheduledExecutorService scheduler;

    /** @param registry the locks to watch, including those created after start-up */
    public StuckHoldDetector(NamedLockRegistry registry) {
        this(registry, null);
    }

    /**
     * @param registry  the locks to watch, including those created after start-up
     * @param deadlocks what looks for deadlocks on each check, or null for nothing
     */
    public StuckHoldDetector(NamedLockRegistry registry, @Nullable DeadlockDetector deadlocks) {
        this.registry = registry;
        this.deadlocks = deadlocks;
    }

    @Override
    public synchronized void start() {
        Duration shortest = registry.getShortestWarnHeldLongerThan();
        if (scheduler != null || shortest == null && deadlocks == null) {
            return;
        }
        Duration half = shortest != null ? shortest.dividedBy(2) : MAX_INTERVAL;
        long intervalNanos = (half.compareTo(MIN_INTERVAL) < 0 ? MIN_INTERVAL
                : half.compareTo(MAX_INTERVAL) > 0 ? MAX_INTERVAL : half).toNanos();
        scheduler = Executors.newSingleThreadScheduledExecutor(task -> {
            Thread thread = new Thread(task, "ironfence-lock-check");
            thread.setDaemon(true);
            return thread;
        });
        scheduler.scheduleWithFixedDelay(this::check, intervalNanos, intervalNanos, TimeUnit.NANOSECONDS);
    }

    /** Reports every lock's newly stuck holds, and deadlocks. */
    public void check() {
        for (NamedLock lock : registry.getLocks()) {
            lock.getMonitor().reportStuckHolds();
        }
        if (deadlocks != null) {
            deadlocks.check();
        }
    }

    @Override
    public synchronized void stop() {
        if (scheduler != null) {
            scheduler.shutdownNow();
            scheduler = null;
        }
    }

    @Override
    public synchronized boolean isRunning() {
        return scheduler != null;
    }
}
