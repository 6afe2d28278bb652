package io.ironfence.spring;

import org.jspecify.annotations.Nullable;
import org.springframework.context.SmartLifecycle;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Looks for holds that have passed their lock's {@code warn-held-longer-than} and has each
 * lock's {@link LockMonitor} log them, once each. Runs on one daemon thread, at half the shortest
 * threshold (between 10 ms and 1 s), only while the application context runs and only if some
 * threshold is set.
 */
public class StuckHoldDetector implements SmartLifecycle {

    private static final Duration MIN_INTERVAL = Duration.ofMillis(10);
    private static final Duration MAX_INTERVAL = Duration.ofSeconds(1);

    private final NamedLockRegistry registry;
    private @Nullable ScheduledExecutorService scheduler;

    /** @param registry the locks to watch, including those created after start-up */
    public StuckHoldDetector(NamedLockRegistry registry) {
        this.registry = registry;
    }

    @Override
    public synchronized void start() {
        Duration shortest = registry.getShortestWarnHeldLongerThan();
        if (shortest == null || scheduler != null) {
            return;
        }
        Duration half = shortest.dividedBy(2);
        long intervalNanos = (half.compareTo(MIN_INTERVAL) < 0 ? MIN_INTERVAL
                : half.compareTo(MAX_INTERVAL) > 0 ? MAX_INTERVAL : half).toNanos();
        scheduler = Executors.newSingleThreadScheduledExecutor(task -> {
            Thread thread = new Thread(task, "ironfence-stuck-holds");
            thread.setDaemon(true);
            return thread;
        });
        scheduler.scheduleWithFixedDelay(this::check, intervalNanos, intervalNanos, TimeUnit.NANOSECONDS);
    }

    /** Reports every lock's newly stuck holds. */
    public void check() {
        for (NamedLock lock : registry.getLocks()) {
            lock.getMonitor().reportStuckHolds();
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
