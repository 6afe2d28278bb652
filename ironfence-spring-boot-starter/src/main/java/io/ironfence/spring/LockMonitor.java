package io.ironfence.spring;

import io.ironfence.Guard;
import io.ironfence.ObservableLock;
import io.ironfence.spi.LockListener;
import io.ironfence.spi.LockMode;
import io.ironfence.spi.WaitOutcome;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
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
 * <p>
 * <b>Hold ages.</b> The monitor reads no clock of its own on the path of a hold
 * ({@link #usesTimestamps()} is false): a clock read costs as much as the rest of an annotated call
 * on some virtual machines. When another listener of the lock uses timestamps (the Micrometer
 * metrics do), the lock reads the clock anyway and a hold's age is exact, from its grant. Otherwise
 * it is counted from the monitor's first look at the hold: the periodic check looks at every lock
 * at least once a second, so an age is short by at most that interval, and stuck holds are
 * reported at most that much late ({@link Holder#isAgeExact()}).
 */
public final class LockMonitor implements LockListener {

    private static final Log logger = LogFactory.getLog(LockMonitor.class);

    private final String name;
    private final @Nullable Duration warnHeldLongerThan;
    private final boolean captureStackTraces;
    /** Grants other than those of the single lock's exclusive hold (see {@link #exclusiveGrants}). */
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
     * before the next grant, so a field does (a map put and remove per hold cost more than the rest
     * of an annotated call). Written with release stores ({@link #EXCLUSIVE}): the lock's own
     * release and grant order the writes of successive holders, and a reader that acquires a
     * holder sees it whole; a volatile store would add a full fence to every grant and release.
     */
    private @Nullable Holder exclusive;
    /**
     * Grants of the single lock's exclusive hold. Only the holder writes it, while it holds the lock,
     * so the lock's own release and grant order every write and a plain increment counts exactly;
     * stored opaquely for the readers (a LongAdder's CAS was a tenth of an annotated call).
     */
    private long exclusiveGrants;
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

    private static final VarHandle EXCLUSIVE;
    private static final VarHandle EXCLUSIVE_GRANTS;
    private static final VarHandle FIRST_SEEN;

    static {
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            EXCLUSIVE = lookup.findVarHandle(LockMonitor.class, "exclusive", Holder.class);
            EXCLUSIVE_GRANTS = lookup.findVarHandle(LockMonitor.class, "exclusiveGrants", long.class);
            FIRST_SEEN = lookup.findVarHandle(Holder.class, "firstSeenNanos", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** One current hold. */
    public static final class Holder {

        private final Guard<?> guard;
        private final ObservableLock lock;
        private final @Nullable Thread owner;
        private final LockMode mode;
        /** The lock's clock reading at the grant; 0 when none of the lock's listeners uses timestamps. */
        private final long grantNanos;
        /** For a hold without a grant time: when the monitor first looked at it; 0 until then. */
        private volatile long firstSeenNanos;
        private final @Nullable Throwable acquiredAt;
        /** Set by the holding thread just after the grant; a plain field, read racily (a String is safe to publish so). */
        private @Nullable String method;
        private volatile boolean reported;

        Holder(Guard<?> guard, ObservableLock lock, @Nullable Thread owner, LockMode mode, long grantNanos,
                @Nullable Throwable acquiredAt) {
            this.guard = guard;
            this.lock = lock;
            this.owner = owner;
            this.mode = mode;
            this.grantNanos = grantNanos;
            this.acquiredAt = acquiredAt;
        }

        /** @return the name of the thread that took the lock, or null for an asynchronous hold */
        public @Nullable String getThread() {
            return owner != null ? owner.getName() : null;
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
            return owner == null;
        }

        /** @return the mode it is held in */
        public LockMode getMode() {
            return mode;
        }

        /**
         * @return when it was granted (see {@link #isAgeExact()}); derived from the monotonic time
         *         when asked, because reading the wall clock on every acquisition would cost more
         *         than the rest of it
         */
        public Instant getSince() {
            return Instant.now().minusNanos(System.nanoTime() - startNanos());
        }

        /** @return how long it has been held (see {@link #isAgeExact()}) */
        public Duration getHeldFor() {
            return Duration.ofNanos(System.nanoTime() - startNanos());
        }

        /**
         * @return whether {@link #getSince()} and {@link #getHeldFor()} count from the grant; if not,
         *         they count from the monitor's first look at the hold, and may be short by up to
         *         the interval of the periodic check (one second at most)
         */
        public boolean isAgeExact() {
            return grantNanos != 0L;
        }

        /** What the age counts from: the grant if the lock read the clock for it, else the first look (maybe this one). */
        private long startNanos() {
            if (grantNanos != 0L) {
                return grantNanos;
            }
            long seen = firstSeenNanos;
            if (seen == 0L) {
                long now = System.nanoTime();
                seen = (long) FIRST_SEEN.compareAndExchange(this, 0L, now); // the first look wins
                if (seen == 0L) {
                    seen = now;
                }
            }
            return seen;
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
        return acquisitions.sum() + (long) EXCLUSIVE_GRANTS.getOpaque(this);
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
        Holder exclusiveHolder = (Holder) EXCLUSIVE.getAcquire(this);
        if (exclusiveHolder != null) {
            list.add(exclusiveHolder);
        }
        list.sort((a, b) -> Long.compare(a.startNanos() - b.startNanos(), 0L)); // nanoTime: compare by difference
        return list;
    }

    /**
     * @param lock the name's single lock, or one key's lock
     * @return the oldest current hold of that very lock, or null; one pass, no copy: for a waiter
     *         that wants to know whom it waits for (the single lock's exclusive hold is a field read)
     */
    public @Nullable Holder getOldestHolderOf(ObservableLock lock) {
        Holder exclusiveHolder = (Holder) EXCLUSIVE.getAcquire(this);
        if (exclusiveHolder != null && exclusiveHolder.lock == lock) {
            return exclusiveHolder;
        }
        Holder oldest = null;
        for (Holder holder : holders.values()) {
            if (holder.lock == lock && (oldest == null || holder.startNanos() - oldest.startNanos() < 0)) {
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
        Holder exclusiveHolder = exclusive; // written by this thread, at the grant
        Holder holder = exclusiveHolder != null && exclusiveHolder.guard == guard ? exclusiveHolder : holders.get(guard);
        if (holder != null) {
            holder.method = method;
        }
    }

    /**
     * Logs one WARN for each hold that has newly passed the threshold. Called by the periodic check,
     * which also gives every hold without a grant time its first look (see the class comment).
     */
    public void reportStuckHolds() {
        for (Holder holder : getHolders()) {
            if (warnHeldLongerThan != null && !holder.reported && isStuck(holder)) {
                holder.reported = true;
                String message = "Lock '" + name + "' has been held for " + (holder.isAgeExact() ? "" : "at least ")
                        + holder.getHeldFor().toMillis()
                        + " ms (longer than warn-held-longer-than=" + DurationFormat.format(warnHeldLongerThan) + ") by "
                        + (holder.isAsync() ? "an async task" : "thread '" + holder.getThread() + "'")
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
        if (waited) {
            contended.increment();
        }
        Throwable acquiredAt = captureStackTraces && !async
                ? new Throwable("Lock '" + name + "' acquired here") : null;
        Holder holder = new Holder(guard, lock, async ? null : Thread.currentThread(), mode, grantNanos, acquiredAt);
        if (mode == LockMode.EXCLUSIVE && lock == single) {
            EXCLUSIVE_GRANTS.setOpaque(this, exclusiveGrants + 1);
            EXCLUSIVE.setRelease(this, holder);
        } else {
            acquisitions.increment();
            holders.put(guard, holder);
        }
    }

    @Override
    public void onRelease(ObservableLock lock, Guard<?> guard, LockMode mode, long grantNanos, long releaseNanos) {
        if (mode == LockMode.EXCLUSIVE && lock == single) {
            Holder holder = exclusive; // this thread's own hold (its grant wrote it), or a stale one
            if (holder != null && holder.guard == guard) {
                EXCLUSIVE.setRelease(this, null);
            }
        } else {
            holders.remove(guard);
        }
    }

    /** No clock read on the path of a hold: ages come from the grant time if read anyway, else the first look. */
    @Override
    public boolean usesTimestamps() {
        return false;
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
