package io.ironfence.spring;

import io.ironfence.Guard;
import io.ironfence.ObservableLock;
import io.ironfence.spi.LockListener;
import io.ironfence.spi.LockMode;
import io.ironfence.spi.WaitOutcome;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * What the operators of one named lock need to know, kept as it happens: how often it was taken,
 * contended, timed out, cancelled, interrupted or turned away, and who holds it now (thread or async task,
 * mode, since when, from which annotated method). Holds older than the lock's
 * {@code warn-held-longer-than} are logged once, as a WARN, and flagged as stuck.
 * <p>
 * Attached as a listener to the lock and to each of its per-key locks. Holders are keyed by guard
 * identity; the key of a keyed lock is never recorded (it may be personal data).
 */
public final class LockMonitor implements LockListener {

    private static final Log logger = LogFactory.getLog(LockMonitor.class);

    private final String name;
    private final @Nullable Duration warnHeldLongerThan;
    private final boolean captureStackTraces;
    private final LongAdder acquisitions = new LongAdder();
    private final LongAdder contended = new LongAdder();
    private final LongAdder timeouts = new LongAdder();
    private final LongAdder cancellations = new LongAdder();
    private final LongAdder interruptions = new LongAdder();
    private final LongAdder rejections = new LongAdder();
    /** Shared holds, and exclusive holds of per-key locks (several at once), by guard. */
    private final ConcurrentHashMap<Guard<?>, Holder> holders = new ConcurrentHashMap<>();
    /**
     * The exclusive hold of the single lock: at most one at a time, and its release is reported
     * before the next grant, so a plain volatile field does (a map put and remove per hold cost
     * more than the rest of an annotated call).
     */
    private volatile @Nullable Holder exclusive;
    private @Nullable ObservableLock single;

    /**
     * @param name               the lock's name
     * @param warnHeldLongerThan holds older than this are logged and flagged; null for never
     * @param captureStackTraces whether to record where each blocking hold was taken, for the
     *                           warning (costs a stack walk per acquisition)
     */
    public LockMonitor(String name, @Nullable Duration warnHeldLongerThan, boolean captureStackTraces) {
        this.name = name;
        this.warnHeldLongerThan = warnHeldLongerThan;
        this.captureStackTraces = captureStackTraces;
    }

    /** Tells the monitor which lock is the single lock of the name, whose exclusive hold it keeps in a field. */
    void setSingleLock(ObservableLock lock) {
        this.single = lock;
    }

    /** One current hold. */
    public static final class Holder {

        private final Guard<?> guard;
        private final ObservableLock lock;
        private final @Nullable Thread owner;
        private final @Nullable String thread;
        private final LockMode mode;
        private final long grantNanos;
        private final @Nullable Throwable acquiredAt;
        private volatile @Nullable String method;
        private volatile boolean reported;

        Holder(Guard<?> guard, ObservableLock lock, @Nullable Thread owner, LockMode mode, long grantNanos,
                @Nullable Throwable acquiredAt) {
            this.guard = guard;
            this.lock = lock;
            this.owner = owner;
            this.thread = owner != null ? owner.getName() : null;
            this.mode = mode;
            this.grantNanos = grantNanos;
            this.acquiredAt = acquiredAt;
        }

        /** @return the name of the thread that took the lock, or null for an asynchronous hold */
        public @Nullable String getThread() {
            return thread;
        }

        /**
         * @return the thread that took the lock (platform or virtual), or null for an asynchronous
         *         hold; kept while the hold lasts, for the deadlock detector
         */
        public @Nullable Thread getOwner() {
            return owner;
        }

        /** @return the lock held: the name's single lock, or one key's lock */
        public ObservableLock getLock() {
            return lock;
        }

        /** @return whether it was taken asynchronously (it belongs to a task, not a thread) */
        public boolean isAsync() {
            return thread == null;
        }

        /** @return the mode it is held in */
        public LockMode getMode() {
            return mode;
        }

        /**
         * @return when it was granted; derived from the monotonic grant time when asked, because
         *         reading the wall clock on every acquisition would cost more than the rest of it
         */
        public Instant getSince() {
            return Instant.now().minusNanos(System.nanoTime() - grantNanos);
        }

        /** @return how long it has been held */
        public Duration getHeldFor() {
            return Duration.ofNanos(System.nanoTime() - grantNanos);
        }

        /** @return the annotated method that holds it, or null if it was taken by code */
        public @Nullable String getMethod() {
            return method;
        }

        /** @return where a blocking hold was taken, if stack traces are captured; else null */
        public @Nullable Throwable getAcquiredAt() {
            return acquiredAt;
        }
    }

    /** @return the lock's name */
    public String getName() {
        return name;
    }

    /** @return the stuck-hold threshold, or null */
    public @Nullable Duration getWarnHeldLongerThan() {
        return warnHeldLongerThan;
    }

    /** @return grants since start-up (downgrades count as a grant of the read hold) */
    public long getAcquisitions() {
        return acquisitions.sum();
    }

    /** @return grants that had to wait in the queue */
    public long getContended() {
        return contended.sum();
    }

    /** @return requests that gave up on a timeout (including failed tryLock calls) */
    public long getTimeouts() {
        return timeouts.sum();
    }

    /** @return asynchronous requests cancelled or completed by their caller while waiting */
    public long getCancellations() {
        return cancellations.sum();
    }

    /** @return requests turned away at once because the wait queue was full (max-waiting) */
    public long getRejections() {
        return rejections.sum();
    }

    /** @return waits ended by an interrupt */
    public long getInterruptions() {
        return interruptions.sum();
    }

    /** @return the current holds, oldest first */
    public List<Holder> getHolders() {
        List<Holder> list = new ArrayList<>(holders.values());
        Holder exclusiveHolder = exclusive;
        if (exclusiveHolder != null) {
            list.add(exclusiveHolder);
        }
        list.sort(Comparator.comparingLong(h -> h.grantNanos));
        return list;
    }

    /**
     * @param lock the name's single lock, or one key's lock
     * @return the oldest current hold of that very lock, or null; one pass, no copy: for a waiter
     *         that wants to know whom it waits for (the single lock's exclusive hold is a field read)
     */
    public @Nullable Holder getOldestHolderOf(ObservableLock lock) {
        Holder exclusiveHolder = exclusive;
        if (exclusiveHolder != null && exclusiveHolder.lock == lock) {
            return exclusiveHolder;
        }
        Holder oldest = null;
        for (Holder holder : holders.values()) {
            if (holder.lock == lock && (oldest == null || holder.grantNanos - oldest.grantNanos < 0)) {
                oldest = holder;
            }
        }
        return oldest;
    }

    /** @return how long the oldest current hold has lasted, or null if nobody holds the lock */
    public @Nullable Duration getOldestHold() {
        List<Holder> current = getHolders();
        return current.isEmpty() ? null : current.get(0).getHeldFor();
    }

    /** @return whether the hold has passed the threshold */
    public boolean isStuck(Holder holder) {
        return warnHeldLongerThan != null && holder.getHeldFor().compareTo(warnHeldLongerThan) > 0;
    }

    /** Names the annotated method that holds the lock through this guard (the endpoint shows it). */
    public void describe(Guard<?> guard, String method) {
        Holder exclusiveHolder = exclusive;
        Holder holder = exclusiveHolder != null && exclusiveHolder.guard == guard ? exclusiveHolder : holders.get(guard);
        if (holder != null) {
            holder.method = method;
        }
    }

    /** Logs one WARN for each hold that has newly passed the threshold. */
    public void reportStuckHolds() {
        if (warnHeldLongerThan == null) {
            return;
        }
        for (Holder holder : getHolders()) {
            if (!holder.reported && isStuck(holder)) {
                holder.reported = true;
                String message = "Lock '" + name + "' has been held for " + holder.getHeldFor().toMillis()
                        + " ms (longer than warn-held-longer-than=" + DurationFormat.format(warnHeldLongerThan) + ") by "
                        + (holder.isAsync() ? "an async task" : "thread '" + holder.thread + "'")
                        + (holder.method != null ? " in " + holder.method : "") + ", " + holder.mode.tagValue()
                        + (holder.acquiredAt == null ? "; set ironfence.capture-acquisition-stack-trace=true to log "
                        + "where it was taken" : "");
                if (holder.acquiredAt != null) {
                    logger.warn(message, holder.acquiredAt);
                } else {
                    logger.warn(message);
                }
            }
        }
    }

    @Override
    public void onAcquire(ObservableLock lock, Guard<?> guard, LockMode mode, long requestNanos, long grantNanos,
            boolean waited, boolean async) {
        acquisitions.increment();
        if (waited) {
            contended.increment();
        }
        Throwable acquiredAt = captureStackTraces && !async
                ? new Throwable("Lock '" + name + "' acquired here") : null;
        Holder holder = new Holder(guard, lock, async ? null : Thread.currentThread(), mode, grantNanos, acquiredAt);
        if (mode == LockMode.EXCLUSIVE && lock == single) {
            exclusive = holder;
        } else {
            holders.put(guard, holder);
        }
    }

    @Override
    public void onRelease(ObservableLock lock, Guard<?> guard, LockMode mode, long grantNanos, long releaseNanos) {
        if (mode == LockMode.EXCLUSIVE && lock == single) {
            Holder holder = exclusive;
            if (holder != null && holder.guard == guard) {
                exclusive = null;
            }
        } else {
            holders.remove(guard);
        }
    }

    @Override
    public void onGiveUp(ObservableLock lock, LockMode mode, WaitOutcome outcome, long requestNanos, long giveUpNanos) {
        switch (outcome) {
            case TIMEOUT -> timeouts.increment();
            case CANCELLED -> cancellations.increment();
            case INTERRUPTED -> interruptions.increment();
            case REJECTED -> rejections.increment();
            default -> {
            }
        }
    }
}
