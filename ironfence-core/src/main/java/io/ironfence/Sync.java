package io.ironfence;

import io.ironfence.spi.LockListener;
import io.ironfence.spi.LockMode;
import io.ironfence.spi.WaitOutcome;

import org.jspecify.annotations.Nullable;

import java.io.IOException;
import java.io.NotSerializableException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.locks.AbstractOwnableSynchronizer;
import java.util.concurrent.locks.LockSupport;

/**
 * The lock engine shared by {@link Mutex} (exclusive mode only) and {@link RWLock}: one state word,
 * one FIFO queue of blocking and asynchronous waiters.
 *
 * <h2>Where things happen</h2>
 * <pre>
 * acquire        fast path: tryAcquireExclusive / tryAcquireShared, one CAS
 *   └ acquireStamp → enqueueOrAcquire   queue, or take the lock that came free meanwhile
 *                  → awaitGrant         park until granted; when signalled as the head:
 *                                       tryAcquireAsHead / takeShareAsHead, then
 *                                       sleepOrAcquireAsHead or requestHandoff;
 *                                       timeout or interrupt: withdraw
 * acquireAsync   the same fast path, else enqueueOrAcquire of an AsyncAcquisition
 * releaseExclusive / releaseShared / downgrade
 *                one CAS, unless mustDispatchOnRelease / mustDispatchOnSharedRelease
 *   └ releaseSlow → dispatch            under the queue lock: the release, every grant the head
 *                                       of the queue can take, and the one waiter to signal, in
 *                                       one CAS
 *                 → unlockQueueAndWake → wake   unpark the signalled waiter, unpark granted
 *                                       threads, and have GrantDelivery complete granted futures
 * </pre>
 * The classes: {@link Waiter} is the queue node of a blocking request; {@link AsyncAcquisition} is
 * both the queue node and the future of an asynchronous one; {@link GrantDelivery} completes
 * granted futures on the releasing thread without deepening its stack (a trampoline);
 * {@link Hold} and its subclasses are the guards; {@link Listeners} fans events out to listeners.
 *
 * <h2>State word</h2>
 * <pre>
 *   bit 0        WRITER      held exclusively
 *   bit 1        QUEUED      the wait queue is not empty
 *   bit 2        QUEUE_LOCK  a thread is editing the wait queue
 *   bit 3        HANDOFF     starvation mode: the lock passes straight to the head of the queue
 *   bit 4        WOKEN       the blocking writer at the head was woken to compete and is awake
 *   bit 5        WRITER_WAITING  a writer is first in the queue: new readers queue behind it
 *   bits 6..31   readers     number of shared holds
 *   bits 32..63  version     bumped by every exclusive release
 * </pre>
 * Uncontended acquisition and release are one CAS each. An exclusive hold is identified by its
 * <em>stamp</em> (version | WRITER), so releasing it is idempotent without an atomic flag in the
 * guard: a second, racing release finds the version moved on and does nothing.
 *
 * <h2>Who sets and who clears each flag</h2>
 * <ul>
 *   <li>QUEUED: set by the CAS that queues a waiter ({@link #enqueueOrAcquire}) and by every
 *       queue unlock while waiters remain ({@link #unlockedState}); cleared by the queue unlock that
 *       leaves the queue empty.</li>
 *   <li>QUEUE_LOCK: {@link #lockQueue} / {@link #unlockQueue} around every edit of the queue; also
 *       taken by the head's winning CAS ({@link #winAsHead}) and released by the CAS of a
 *       {@link #dispatch} that grants no blocking waiter.</li>
 *   <li>WOKEN: set by {@link #dispatch} when it signals the blocking writer at the head to compete
 *       (normal mode only). Cleared by that head when it wins ({@link #winAsHead}), when it lost
 *       and goes back to sleep ({@link #sleepOrAcquireAsHead}, only while the lock is held) and
 *       when it asks for HANDOFF; by {@link #withdraw} when the head leaves; by a dispatch that
 *       grants the lock outright; and with the queue when it empties. Readers are signalled through
 *       {@link Waiter#signalled} instead, since several may be woken in turn.</li>
 *   <li>HANDOFF: set by {@link #requestHandoff}, by a head that lost for longer than
 *       {@link #HANDOFF_AFTER_NANOS}; cleared by the dispatch that grants a blocking waiter which
 *       had waited less than that, or the last waiter, and by the queue unlock that leaves the
 *       queue empty.</li>
 *   <li>WRITER_WAITING: recomputed from the queue ({@link #writerFirst}) by every CAS that queues a
 *       waiter and every queue unlock, so it is up whenever a writer is first in line.</li>
 * </ul>
 * Every helper documented "Under the queue lock" is called with QUEUE_LOCK held and never releases
 * it; no allocation, unpark or callback happens while it is held.
 *
 * <h2>Queue</h2>
 * A doubly linked list guarded by the QUEUE_LOCK bit, which is held for a few field writes only.
 * Keeping that bit in the state word lets the decision "the lock is busy, so queue" and the
 * publication of QUEUED be one CAS: a release either sees QUEUED and takes the slow path, or
 * happened before the CAS, which then fails and retries. All grants are decided in
 * {@link #dispatch} under the queue lock; the unparking and the completion of futures happen after
 * it is released ({@link #unlockQueueAndWake}).
 *
 * <h2>Bounds</h2>
 * max-waiting and a shared {@link WaitingLimit} are checked in {@link #enqueueOrAcquire}, under the
 * queue lock, only by a request that found the lock busy: the fast paths never read them. A waiter
 * keeps the shared limit it queued under and gives its place back in {@link #unlink}.
 *
 * <h2>Fairness, by mode</h2>
 * <p><b>Normal mode</b> (like Go's {@code sync.Mutex}): a released lock becomes free and the
 * blocking writer at the head of the queue is woken to compete for it with threads that barge in
 * through the fast path: good throughput, no lock convoy. While that head is awake (WOKEN),
 * releases need not wake anyone and stay one CAS; a head that lost clears WOKEN, with a CAS that
 * fails if the lock was released meanwhile, before it parks again.
 * <p><b>HANDOFF mode</b> (starvation): a head that has waited longer than
 * {@link #HANDOFF_AFTER_NANOS} switches the lock to HANDOFF, where every release hands the lock
 * straight to the head and nobody barges, not even {@code tryLock()}. The mode ends when a waiter
 * that was granted the lock had waited less than that, or the queue empties.
 * <p><b>Asynchronous waiters</b> cannot compete, so they are granted directly, in arrival order,
 * in either mode.
 * <p><b>Readers.</b> Parked readers at the head are woken to take their share, each passing the
 * wake-up on: a reader granted while parked would hold the lock through its wake-up, and writers
 * would wait that out (ReadMostlyBenchmark shows the cost). While such a reader wakes, read
 * releases stay one CAS, as exclusive ones do while WOKEN is up. New readers never pass a writer
 * that is first in the queue (WRITER_WAITING), as in ReentrantReadWriteLock's non-fair mode; they
 * may pass one queued behind readers, which are served before it, so it becomes first after a
 * bounded number of grants (and readers arriving while those wake up need not park, which keeps
 * read-mostly throughput: ReadMostlyBenchmark).
 */
abstract class Sync extends AbstractOwnableSynchronizer implements ObservableLock {

    /** Locks are not serializable (see {@link #writeObject}); AbstractOwnableSynchronizer is. */
    private static final long serialVersionUID = 1L;

    static final long WRITER = 1L;
    static final long QUEUED = 1L << 1;
    static final long QUEUE_LOCK = 1L << 2;
    static final long HANDOFF = 1L << 3;
    static final long WOKEN = 1L << 4;
    static final long WRITER_WAITING = 1L << 5;
    static final int READER_SHIFT = 6;
    static final long READER_UNIT = 1L << READER_SHIFT;
    static final long MAX_READERS = (1L << 26) - 1;
    static final long READER_MASK = MAX_READERS << READER_SHIFT;
    static final long HELD = WRITER | READER_MASK;
    static final long VERSION_UNIT = 1L << 32;
    static final long VERSION_MASK = -VERSION_UNIT;
    static final long STAMP_MASK = VERSION_MASK | WRITER;

    /** The stamp of a shared hold: readers are counted, not identified. */
    static final long SHARED_STAMP = READER_UNIT;
    /** Marks a stamp returned by the slow path as one that had to queue (stamps never use this bit). */
    private static final long WAITED = QUEUED;
    /**
     * What {@link #enqueueOrAcquire} returns for a request turned away because the queue is full
     * (this lock's max-waiting, or its shared {@link WaitingLimit}): bits no stamp ever has.
     */
    private static final long QUEUE_FULL = QUEUE_LOCK;
    private static final long SHARED_LIMIT_FULL = HANDOFF;

    /** How long a blocking writer may lose to barging threads before the lock is handed to it. */
    static final long HANDOFF_AFTER_NANOS = 1_000_000L;

    /** Spins on a busy queue lock before yielding the processor to its holder. */
    private static final int QUEUE_LOCK_SPINS = 64;

    /** Outcomes of {@link #dispatch(long, long, boolean)}. */
    private static final int RETRY = 0;
    private static final int DISPATCHED = 1;
    private static final int DISPATCHED_AND_UNLOCKED = 2;

    private static final int UNINTERRUPTIBLY = 0;
    private static final int INTERRUPTIBLY = 1;
    private static final int TRY = 2;
    private static final int TIMED = 3;

    private static final VarHandle STATE;
    private static final VarHandle LISTENER;
    private static final VarHandle QUEUE_LENGTH;

    static {
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            STATE = lookup.findVarHandle(Sync.class, "state", long.class);
            LISTENER = lookup.findVarHandle(Sync.class, "listener", LockListener.class);
            QUEUE_LENGTH = lookup.findVarHandle(Sync.class, "queueLength", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private volatile long state;

    /** The guarded value; its visibility rides on the acquire/release of {@link #state}. */
    @Nullable Object value;

    // The owner: the thread that took the current exclusive hold with a blocking (non-async) call,
    // or null, is AbstractOwnableSynchronizer's exclusiveOwnerThread. Being an AOS whose owner field
    // is kept is what lets HotSpot follow a parked thread's blocker to its owner: thread dumps print
    // the owner and "Locked ownable synchronizers", and ThreadMXBean.findDeadlockedThreads() sees
    // cycles through IronFence locks. A plain field, as before: only ever compared with the current
    // thread, which sees its own write, and cleared before the releasing CAS, so a later acquirer's
    // write is ordered after the clear (tools read it racily, as they read ReentrantLock's).

    /** Null, one listener, or a {@link Listeners} fan-out. */
    private volatile @Nullable LockListener listener;

    private final String name;

    // Guarded by QUEUE_LOCK.
    private Waiter<?> head;
    private Waiter<?> tail;
    private Waiter<?> grantedHead;
    private Waiter<?> grantedTail;
    private Waiter<?> signalTarget;
    /**
     * Written under QUEUE_LOCK with release stores (it is only observed, never decided on, outside
     * the lock: no full fence needed), read anywhere.
     */
    private volatile int queueLength;
    /** Read under QUEUE_LOCK only, by a request about to queue: never on a fast path. */
    private volatile int maxWaiting = Integer.MAX_VALUE;
    private volatile @Nullable WaitingLimit waitingLimit;

    Sync(String name, String kind, Object value) {
        this.name = name != null ? name : kind + "@" + Integer.toHexString(System.identityHashCode(this));
        this.value = value;
    }

    /** Creates the guard of a new hold. */
    abstract Hold<?> newHold(boolean shared, long stamp, LockListener listener, long grantNanos);

    // ------------------------------------------------------------------ acquisition

    /**
     * Acquires in the given mode.
     *
     * @param how   {@link #UNINTERRUPTIBLY}, {@link #INTERRUPTIBLY}, {@link #TRY} or {@link #TIMED}
     * @param nanos the timeout, for {@link #TIMED}
     * @return the guard, or null if a try or a timed wait failed
     */
    private @Nullable Hold<?> acquire(boolean shared, int how, long nanos) throws InterruptedException {
        if (listener != null) {
            return acquireObserved(shared, how, nanos);
        }
        long stamp = shared ? tryAcquireShared() : tryAcquireExclusive();
        if (stamp == 0L) {
            stamp = acquireStamp(shared, how, nanos, null, 0L);
            // Only a try or a timed wait can fail. Asking by mode, not by stamp, lets C2 drop the
            // null return from lock()/read()/write() (their mode is a constant once inlined): a
            // guard merged with null is not scalar-replaced, and whether C2 had profiled that
            // branch decided, per JVM, whether a contended acquisition allocated its guard.
            if ((how == TRY || how == TIMED) && stamp == 0L) {
                return null;
            }
        }
        if (!shared) {
            setExclusiveOwnerThread(Thread.currentThread());
        }
        // The guard is created here, not in the out-of-line wait, so that a caller's try-with-resources
        // can keep it in registers even when the lock was contended (else 40 B per contended
        // acquisition: ContendedBenchmark with -prof gc). A listener added during the wait sees neither this grant nor its
        // release, as for a fast-path grant.
        return newHold(shared, stamp & ~WAITED, null, 0L);
    }

    private Hold<?> acquireObserved(boolean shared, int how, long nanos) throws InterruptedException {
        LockListener l = listener;
        long requested = Listeners.now(l);
        Listeners.request(l, this, shared, requested);
        long stamp = acquireStamp(shared, how, nanos, l, requested);
        if (stamp == 0L) {
            return null;
        }
        if (!shared) {
            setExclusiveOwnerThread(Thread.currentThread());
        }
        boolean waited = (stamp & WAITED) != 0L;
        // Granted at once: the grant time is the request time (one clock read less per observed hold).
        long granted = waited ? Listeners.now(l) : requested;
        Hold<?> hold = newHold(shared, stamp & ~WAITED, l, granted);
        Listeners.acquire(l, this, hold, shared, requested, granted, waited, false);
        return hold;
    }

    /**
     * Takes the lock, queueing and waiting if it is busy.
     *
     * @param l         the listener to tell of giving up, or null
     * @param requested when the request was reported to {@code l}
     * @return the stamp, with {@link #WAITED} if it had to queue; 0 if a try or a timed wait failed
     *         (never for the other modes, which wait until granted or throw)
     */
    private long acquireStamp(boolean shared, int how, long nanos, LockListener l, long requested)
            throws InterruptedException {
        long stamp = shared ? tryAcquireShared() : tryAcquireExclusive();
        if (stamp != 0L) {
            return stamp;
        }
        if (how == TRY || (how == TIMED && nanos <= 0L)) {
            giveUp(l, shared, WaitOutcome.TIMEOUT, requested);
            return 0L;
        }
        if (getExclusiveOwnerThread() == Thread.currentThread()) {
            throw new IllegalStateException(this + " is already held exclusively by the current thread ("
                    + Thread.currentThread().getName() + "); waiting for it again would deadlock. "
                    + "Close the guard you hold first, or use the guard you already have");
        }
        Waiter<?> w = new Waiter<>(shared ? Waiter.SHARED : Waiter.EXCLUSIVE, Thread.currentThread());
        stamp = enqueueOrAcquire(w);
        if (isQueueFull(stamp)) {
            giveUp(l, shared, WaitOutcome.REJECTED, requested);
            throw queueFull(stamp);
        }
        if (stamp != 0L) {
            return stamp;
        }
        Object event = LockEvents.beginWait(this);
        Object queued = l != null ? Listeners.queued(l, this, shared, requested) : null;
        try {
            stamp = awaitGrant(w, how, nanos);
        } catch (InterruptedException e) {
            queuedWaitEnded(event, l, queued, shared, WaitOutcome.INTERRUPTED);
            giveUp(l, shared, WaitOutcome.INTERRUPTED, requested);
            throw e;
        }
        queuedWaitEnded(event, l, queued, shared, stamp == 0L ? WaitOutcome.TIMEOUT : WaitOutcome.ACQUIRED);
        if (stamp == 0L) {
            giveUp(l, shared, WaitOutcome.TIMEOUT, requested);
            return 0L;
        }
        return stamp | WAITED;
    }

    // The public waits of Mutex and RWLock, each one line there (as ReentrantLock leaves its to AQS).
    // Each passes its mode as a constant, so that once inlined C2 still sees which ones cannot fail.

    /** {@code lock()}, {@code read()}, {@code write()}: an interrupt during the wait is kept for the caller. */
    @SuppressWarnings("unchecked")
    final <G extends Guard<?>> G acquireUninterruptibly(boolean shared) {
        try {
            return (G) acquire(shared, UNINTERRUPTIBLY, 0L);
        } catch (InterruptedException e) {
            throw new AssertionError("an uninterruptible wait was interrupted", e);
        }
    }

    /** The {@code ...Interruptibly()} waits: an interrupt before or during the wait throws. */
    @SuppressWarnings("unchecked")
    final <G extends Guard<?>> G acquireInterruptibly(boolean shared) throws InterruptedException {
        if (Thread.interrupted()) {
            throw new InterruptedException();
        }
        return (G) acquire(shared, INTERRUPTIBLY, 0L);
    }

    /** The {@code try...()} calls: never wait. */
    @SuppressWarnings("unchecked")
    final <G extends Guard<?>> Optional<G> tryAcquireNow(boolean shared) {
        try {
            return Optional.ofNullable((G) acquire(shared, TRY, 0L));
        } catch (InterruptedException e) {
            throw new AssertionError("a non-waiting try was interrupted", e);
        }
    }

    /** The {@code try...(Duration)} calls: wait at most the timeout, interruptibly. */
    @SuppressWarnings("unchecked")
    final <G extends Guard<?>> Optional<G> tryAcquireFor(boolean shared, Duration timeout) throws InterruptedException {
        long nanos = Durations.toNanos(timeout);
        if (Thread.interrupted()) {
            throw new InterruptedException();
        }
        return Optional.ofNullable((G) acquire(shared, TIMED, nanos));
    }

    /** Requests the lock without blocking; the future completes with the guard. */
    @SuppressWarnings("unchecked")
    final <G extends Guard<?>> CompletableFuture<G> acquireAsync(boolean shared) {
        LockListener l = listener;
        long requested = 0L;
        if (l != null) {
            requested = Listeners.now(l);
            Listeners.request(l, this, shared, requested);
        }
        AsyncAcquisition<G> future = new AsyncAcquisition<>(this, shared, l, requested);
        long stamp = shared ? tryAcquireShared() : tryAcquireExclusive();
        if (stamp == 0L) {
            // Both are set before the request is queued, so that the queueing CAS publishes them to the
            // thread that will grant it; on the caller's thread, so a span opened here is the caller's child.
            future.waitEvent = LockEvents.beginAsyncWait(this);
            if (l != null && queueLength < maxWaiting) { // a request sure to be turned away opens nothing
                future.queuedContext = Listeners.queued(l, this, shared, requested);
            }
            stamp = enqueueOrAcquire(future);
            if (stamp == 0L) {
                return future;
            }
            if (isQueueFull(stamp)) {
                endQueued(l, future.queuedContext, WaitOutcome.REJECTED);
                future.reject(queueFull(stamp));
                return future;
            }
            endQueued(l, future.queuedContext, WaitOutcome.ACQUIRED); // the lock came free just before it queued
        } else {
            // Never queued: a caller cancelling the future it got must find it granted.
            future.setStatus(Waiter.GRANTED);
        }
        future.grant(stamp, false);
        return future;
    }

    /** The fast path of an exclusive request: one CAS if free. Barges past the queue unless in HANDOFF mode. */
    private long tryAcquireExclusive() {
        long s;
        while (((s = state) & (HELD | HANDOFF)) == 0L) {
            if (STATE.compareAndSet(this, s, s | WRITER)) {
                return (s & VERSION_MASK) | WRITER;
            }
        }
        return 0L;
    }

    /** The fast path of a shared request: never passes a queued writer, so writers are not starved. */
    private long tryAcquireShared() {
        long s;
        while (((s = state) & (WRITER | WRITER_WAITING | HANDOFF)) == 0L) {
            checkReaderCapacity(s);
            if (STATE.compareAndSet(this, s, s + READER_UNIT)) {
                return SHARED_STAMP;
            }
        }
        return 0L;
    }

    private static void checkReaderCapacity(long s) {
        if ((s & READER_MASK) == READER_MASK) {
            throw new IllegalStateException("Maximum read hold count (" + MAX_READERS + ") exceeded");
        }
    }

    /**
     * Under the queue lock, takes the lock if it is free for this request after all, else queues it.
     * <p>
     * Queueing is one CAS that publishes QUEUED (and WRITER_WAITING) and releases the queue lock
     * together, expecting the busy state the decision was made on: a release either happened
     * before it, and the CAS fails and we decide again, or sees QUEUED and dispatches. The waiter
     * is linked in before that CAS (nobody else can see the queue until it succeeds) and unlinked
     * again if it fails.
     * <p>
     * The bounds are checked here, under the queue lock, so they are exact: a request queues only
     * if fewer than max-waiting wait, and it takes its place in the shared limit, if any, with the
     * queue lock held, to give it back in {@link #unlink} as it leaves.
     *
     * @return the stamp if acquired, 0 if queued, or {@link #QUEUE_FULL} / {@link #SHARED_LIMIT_FULL}
     *         if turned away
     */
    private long enqueueOrAcquire(Waiter<?> w) {
        if (w.thread != null) {
            // Only blocking waiters are timed: a blocking head that loses to barging threads for too
            // long asks for HANDOFF. Asynchronous waiters are granted directly, in order; they skip
            // the clock read (it cost a seventh of passing the lock from one async waiter to the next:
            // AsyncHandOffBenchmark).
            w.queuedNanos = System.nanoTime();
        }
        lockQueue();
        for (;;) {
            long s = state;
            boolean free = w.shared
                    ? (s & (WRITER | HANDOFF)) == 0L && !writerFirst()
                    : (s & (HELD | HANDOFF)) == 0L;
            if (free) {
                if (w.shared) {
                    checkReaderCapacity(s);
                }
                if (STATE.compareAndSet(this, s, w.shared ? s + READER_UNIT : s | WRITER)) {
                    // Never queued, but granted all the same: a later withdraw (a caller cancelling
                    // the future it already got) must find it granted, not unlink a stranger.
                    w.setStatus(Waiter.GRANTED);
                    unlockQueue();
                    return w.shared ? SHARED_STAMP : (s & VERSION_MASK) | WRITER;
                }
            } else {
                if (queueLength >= maxWaiting) {
                    unlockQueue();
                    return QUEUE_FULL;
                }
                WaitingLimit limit = waitingLimit;
                if (limit != null && !limit.tryTake()) {
                    unlockQueue();
                    return SHARED_LIMIT_FULL;
                }
                w.limit = limit;
                append(w);
                // A writer that is now first stops new readers in the same instant.
                long queued = (s | QUEUED | (writerFirst() ? WRITER_WAITING : 0L)) & ~QUEUE_LOCK;
                if (STATE.compareAndSet(this, s, queued)) {
                    return 0L;
                }
                unlink(w);
            }
        }
    }

    private static boolean isQueueFull(long stamp) {
        return stamp == QUEUE_FULL || stamp == SHARED_LIMIT_FULL;
    }

    private LockQueueFullException queueFull(long rejection) {
        if (rejection == QUEUE_FULL) {
            return new LockQueueFullException(name, null, maxWaiting);
        }
        WaitingLimit limit = waitingLimit;
        int max = limit != null ? limit.getMax() : 0;
        return new LockQueueFullException("Lock '" + name + "' is busy and " + max + " requests already wait for "
                + "it and the locks it shares its WaitingLimit with: not queued. Retry later, or raise that limit",
                name, null, max, limit);
    }

    /**
     * Parks until the waiter is granted the lock, wins it as the woken head of the queue, times out
     * or is interrupted.
     *
     * @return the stamp, or 0 on timeout
     */
    private long awaitGrant(Waiter<?> w, int how, long nanos) throws InterruptedException {
        long deadline = how == TIMED ? System.nanoTime() + nanos : 0L;
        boolean interrupted = false;
        try {
            for (;;) {
                if (w.status == Waiter.GRANTED) {
                    return w.stamp;
                }
                if (w.signalled) {
                    w.signalled = false;
                    long stamp = w.shared ? takeShareAsHead(w) : tryAcquireAsHead(w);
                    if (stamp == 0L && System.nanoTime() - w.queuedNanos >= HANDOFF_AFTER_NANOS) {
                        requestHandoff(w);
                        continue;
                    }
                    if (stamp == 0L && !w.shared) {
                        // Lost to a barging thread: go back to sleep. Clearing WOKEN fails if the
                        // lock was released meanwhile (releases that saw WOKEN woke nobody), and then
                        // we compete again; once it is clear, the next release wakes us.
                        stamp = sleepOrAcquireAsHead(w);
                    }
                    if (stamp != 0L) {
                        return stamp; // it left the queue as it won
                    }
                }
                if (how == TIMED) {
                    long remaining = deadline - System.nanoTime();
                    if (remaining <= 0L) {
                        if (withdraw(w) != Waiter.GRANTED) {
                            return 0L;
                        }
                        continue; // granted just in time
                    }
                    LockSupport.parkNanos(this, remaining);
                } else {
                    LockSupport.park(this);
                }
                if (Thread.interrupted()) {
                    if (how != UNINTERRUPTIBLY && withdraw(w) != Waiter.GRANTED) {
                        throw new InterruptedException();
                    }
                    // Uninterruptible, or the grant won the race: keep waiting / keep the hold, and
                    // re-assert the interrupt on return.
                    interrupted = true;
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** The woken head competes with barging threads; HANDOFF does not apply to it. Winning ends WOKEN. */
    private long tryAcquireAsHead(Waiter<?> w) {
        long s;
        while (((s = state) & HELD) == 0L) {
            if (winAsHead(w, s)) {
                return (s & VERSION_MASK) | WRITER;
            }
        }
        return 0L;
    }

    /**
     * The woken head lost: clears WOKEN while the lock is held (so its release will wake the head
     * again), or takes the lock if it has become free.
     *
     * @return the stamp if it took the lock, else 0 (WOKEN is clear: park)
     */
    private long sleepOrAcquireAsHead(Waiter<?> w) {
        for (;;) {
            long s = state;
            if ((s & HELD) == 0L) {
                if (winAsHead(w, s)) {
                    return (s & VERSION_MASK) | WRITER;
                }
            } else if (STATE.compareAndSet(this, s, s & ~WOKEN)) {
                return 0L;
            }
        }
    }

    /**
     * The woken head writer takes the free lock and leaves the queue (nobody else can be granted
     * while it holds the lock exclusively). If the queue lock is free too, one CAS takes both:
     * the head's win is the hot path of a contended lock, and every CAS on the state word is a
     * cache-line transfer between the competing cores.
     *
     * @return false if the state changed under us (nothing taken)
     */
    private boolean winAsHead(Waiter<?> w, long s) {
        boolean withQueueLock = (s & QUEUE_LOCK) == 0L;
        if (!STATE.compareAndSet(this, s, (s | WRITER | (withQueueLock ? QUEUE_LOCK : 0L)) & ~WOKEN)) {
            return false;
        }
        if (!withQueueLock) {
            lockQueue();
        }
        w.setStatus(Waiter.GRANTED);
        unlink(w);
        unlockQueue();
        return true;
    }

    /**
     * A woken reader at the head takes its share unless a writer barged in, and lets the readers
     * behind it in (or wakes the next one to do so).
     * <p>
     * Unlike a writer's, this is decided under the queue lock: shares do not exclude each other, so
     * a release in HANDOFF mode could grant this reader its share (dispatch) at the same moment as
     * it took one itself, leaking a share and unlinking it twice. Under the queue lock it sees such
     * a grant in its status instead.
     *
     * @return the stamp, or 0 if a writer holds the lock (its release wakes us again)
     */
    private long takeShareAsHead(Waiter<?> w) {
        lockQueue();
        long stamp = 0L;
        if (w.status == Waiter.GRANTED) {
            stamp = w.stamp;
        } else {
            long s;
            while (((s = state) & WRITER) == 0L && (s & READER_MASK) != READER_MASK) {
                if (STATE.compareAndSet(this, s, s + READER_UNIT)) {
                    w.setStatus(Waiter.GRANTED);
                    unlink(w);
                    do {
                        s = state;
                    } while (!dispatch(s, s));
                    stamp = SHARED_STAMP;
                    break;
                }
            }
        }
        unlockQueueAndWake();
        return stamp;
    }

    /** The head lost to barging threads for too long: from now on the lock is handed to it. */
    private void requestHandoff(Waiter<?> w) {
        lockQueue();
        if (w.status == Waiter.WAITING) {
            long s;
            do {
                s = state;
            } while (!dispatch(s, (s | HANDOFF) & ~WOKEN)); // from now on it is handed the lock
        }
        unlockQueueAndWake();
    }

    /**
     * Withdraws a queued request (timeout, interrupt, cancellation).
     *
     * @return the status it had: {@link Waiter#WAITING} if this call withdrew it,
     *         {@link Waiter#CANCELLED} if it was withdrawn before, {@link Waiter#GRANTED} if it had
     *         been granted (the request now holds the lock)
     */
    final int withdraw(Waiter<?> w) {
        lockQueue();
        int status = w.status;
        if (status == Waiter.GRANTED) {
            unlockQueue();
            return status;
        }
        if (status == Waiter.WAITING) {
            w.setStatus(Waiter.CANCELLED);
            // WOKEN only ever marks the head: if the head leaves, so does the mark.
            long clear = w == head ? WOKEN : 0L;
            unlink(w);
            // The withdrawn request may have been what kept others waiting: a writer in front of
            // readers, or the woken head of the queue.
            long s;
            do {
                s = state;
            } while (!dispatch(s, s & ~clear));
        }
        unlockQueueAndWake();
        return status;
    }

    // ------------------------------------------------------------------ release

    /**
     * Releases the exclusive hold with this stamp.
     *
     * @return false if it had already been released (a racing second close)
     */
    final boolean releaseExclusive(long stamp) {
        for (;;) {
            long s = state;
            if ((s & STAMP_MASK) != stamp) {
                return false;
            }
            setExclusiveOwnerThread(null);
            if (!mustDispatchOnRelease(s)) {
                if (STATE.compareAndSet(this, s, (s + VERSION_UNIT) & ~WRITER)) {
                    return true;
                }
            } else {
                return releaseSlow(stamp, 0L);
            }
        }
    }

    /**
     * Whether an exclusive release must decide grants under the queue lock: not when nobody waits,
     * nor when the head is awake to compete for the free lock anyway (outside HANDOFF mode).
     */
    private static boolean mustDispatchOnRelease(long s) {
        return (s & QUEUED) != 0L && (s & (WOKEN | HANDOFF)) != WOKEN;
    }

    /**
     * Whether a shared release must decide grants under the queue lock. A reader leaving can only
     * let in a writer, so only the last one must, and only when a writer is first in line
     * (WRITER_WAITING) or the lock is in HANDOFF mode (where the head is granted directly).
     * Otherwise the head, if any, is a blocking reader (asynchronous readers are granted by the
     * dispatch that makes them eligible), and every change that makes a reader eligible as head
     * signals it in its dispatch: a writer's release, the withdrawal of the waiter in front, the
     * reader in front taking its share. A signalled reader that then fails to take its share failed
     * on a writer's hold, and that writer's release signals it again.
     * <p>
     * WRITER_WAITING is read outside the queue lock, so it only counts while the queue lock is
     * free: a holder may be about to publish it (a withdrawal making a writer first). The CAS that
     * follows expects the queue lock free, so the queue cannot change between the look and it.
     * <p>
     * With more threads than cores a signalled reader often waits a whole time slice to run, and
     * without this test every read release meanwhile took the queue lock (ReadMostlyBenchmark).
     */
    private static boolean mustDispatchOnSharedRelease(long s) {
        return (s & QUEUED) != 0L && (s & READER_MASK) == READER_UNIT
                && (s & (WRITER_WAITING | HANDOFF | QUEUE_LOCK)) != 0L;
    }

    /** Releases one shared hold. */
    final void releaseShared() {
        for (;;) {
            long s = state;
            if ((s & READER_MASK) == 0L) {
                // Only two threads closing one unobserved read guard at once get here (see Hold.released);
                // when other readers hold too, such a race cannot be told from a legitimate release.
                throw new IllegalStateException(this + " has no read hold to release: a read guard was closed "
                        + "by two threads at once. Close each guard on one thread, or hand it over through a "
                        + "future or other happens-before edge");
            }
            if (!mustDispatchOnSharedRelease(s)) {
                if (STATE.compareAndSet(this, s, s - READER_UNIT)) {
                    return;
                }
            } else {
                releaseSlow(0L, 0L);
                return;
            }
        }
    }

    /**
     * Turns the exclusive hold with this stamp into a shared hold, atomically.
     *
     * @return false if it had already been released
     */
    final boolean downgrade(long stamp) {
        for (;;) {
            long s = state;
            if ((s & STAMP_MASK) != stamp) {
                return false;
            }
            setExclusiveOwnerThread(null);
            if ((s & QUEUED) == 0L) {
                if (STATE.compareAndSet(this, s, ((s + VERSION_UNIT) & ~WRITER) + READER_UNIT)) {
                    return true;
                }
            } else {
                return releaseSlow(stamp, READER_UNIT);
            }
        }
    }

    /**
     * Releases with waiters queued: under the queue lock, so that the release and the grants it
     * allows are one state change.
     *
     * @param stamp      the exclusive stamp, or 0 for a shared hold
     * @param keepShared READER_UNIT to keep a shared hold (downgrade), else 0
     */
    private boolean releaseSlow(long stamp, long keepShared) {
        lockQueue();
        boolean released = false;
        for (;;) {
            long s = state;
            long update;
            if (stamp == 0L) {
                update = s - READER_UNIT;
            } else if ((s & STAMP_MASK) != stamp) {
                break;
            } else {
                update = ((s + VERSION_UNIT) & ~WRITER) + keepShared;
            }
            int outcome = dispatch(s, update, true);
            if (outcome == DISPATCHED_AND_UNLOCKED) {
                return true;
            }
            if (outcome == DISPATCHED) {
                released = true;
                break;
            }
        }
        unlockQueueAndWake();
        return released;
    }

    // ------------------------------------------------------------------ queue

    /**
     * Under the queue lock: replaces {@code expect} by {@code update} plus every grant that the
     * requests at the head of the queue can take in that state, in one CAS. Granted waiters are
     * unlinked and collected for {@link #unlockQueueAndWake}; a blocking writer at the head in normal
     * mode, or a blocking reader, is only signalled, to compete for the free lock.
     *
     * @return false if the CAS failed (a fast path changed the state); the caller re-reads and retries
     */
    private boolean dispatch(long expect, long update) {
        return dispatch(expect, update, false) != RETRY;
    }

    /**
     * {@link #dispatch(long, long)}, which may also release the queue lock in its CAS, saving the
     * queue-unlock CAS, unless it grants a blocking waiter. That covers the common release of a
     * contended lock, which only wakes the head to compete (the queue is unchanged), and the
     * passing of the lock from one asynchronous request to the next (the release of an async chain).
     * <p>
     * The grants are unlinked before that CAS, so that its QUEUED and WRITER_WAITING describe the
     * queue after them, and put back if it fails. Until then their GRANTED status is provisional,
     * which is why only asynchronous requests may be granted this way: nothing reads their status
     * without the queue lock ({@link AsyncAcquisition} withdraws under it), whereas a parked thread
     * woken spuriously would act on it. The contender is signalled and woken, and the grants
     * delivered, after the CAS; a signal that reaches a waiter that has since left the queue costs
     * it one spurious wake-up, which every park tolerates.
     *
     * @return {@link #RETRY}, {@link #DISPATCHED} (queue lock still held, grants and contender
     *         left for {@link #unlockQueueAndWake}) or {@link #DISPATCHED_AND_UNLOCKED} (queue lock
     *         released, contender woken, grants delivered)
     */
    private int dispatch(long expect, long update, boolean mayUnlockQueue) {
        long next = update;
        int grants = 0;
        boolean grantsBlocking = false;
        Waiter<?> contender = null;
        for (Waiter<?> w = head; w != null; w = w.next) {
            if (w.shared) {
                if ((next & WRITER) != 0L || (next & READER_MASK) == READER_MASK) {
                    break;
                }
                if (w.thread != null && (next & HANDOFF) == 0L) {
                    // A parked reader granted directly would hold the lock while it wakes up, and a
                    // writer would wait out that wake-up: wake it to take its share instead. It
                    // passes the wake-up on to the readers behind it (takeShareAsHead).
                    contender = w;
                    break;
                }
                next += READER_UNIT;
                grants++;
                grantsBlocking |= w.thread != null;
            } else {
                if ((next & HELD) == 0L) {
                    if (w.thread != null && (next & HANDOFF) == 0L) {
                        if ((next & WOKEN) == 0L) {
                            contender = w;
                            next |= WOKEN;
                        }
                    } else {
                        next = (next | WRITER) & ~WOKEN;
                        grants++;
                        grantsBlocking |= w.thread != null;
                        // HANDOFF ends with the queue, or with a blocking waiter that had not waited
                        // long; asynchronous waiters are untimed and leave the mode as it is.
                        if ((next & HANDOFF) != 0L && (w.next == null || w.thread != null
                                && System.nanoTime() - w.queuedNanos < HANDOFF_AFTER_NANOS)) {
                            next &= ~HANDOFF;
                        }
                    }
                }
                break;
            }
        }
        boolean unlockQueue = mayUnlockQueue && !grantsBlocking;
        Waiter<?> granted = grants == 0 ? null : unlinkGrants(grants, next);
        if (unlockQueue) {
            markGranted(granted); // provisionally: undone if the CAS fails
        }
        if (!STATE.compareAndSet(this, expect, unlockQueue ? unlockedState(next) : next)) {
            relinkGrants(granted);
            return RETRY;
        }
        if (!unlockQueue) {
            markGranted(granted); // only now: a parked thread may read it whenever it wakes
        }
        // A writer's WOKEN went up in the CAS above; it clears it only with a CAS that also sees
        // the lock held, so a release either sees WOKEN and relies on the awake head, or wakes it
        // again. A reader clears its flag before it takes the queue lock to try: either it tries
        // after this dispatch, or we see the flag clear and wake it again.
        Waiter<?> signal = contender != null && (!contender.shared || !contender.signalled) ? contender : null;
        if (signal != null) {
            signal.signalled = true;
        }
        if (unlockQueue) {
            wake(signal, granted);
            return DISPATCHED_AND_UNLOCKED;
        }
        if (signal != null) {
            signalTarget = signal; // woken by unlockQueueAndWake, outside the queue lock
        }
        if (granted != null) {
            if (grantedTail == null) {
                grantedHead = granted;
            } else {
                grantedTail.nextGranted = granted;
            }
            Waiter<?> last = granted;
            while (last.nextGranted != null) {
                last = last.nextGranted;
            }
            grantedTail = last;
        }
        return DISPATCHED;
    }

    /**
     * Under the queue lock: unlinks the first {@code grants} waiters and gives them the stamps of
     * state {@code next}.
     *
     * @return them, linked through {@link Waiter#nextGranted}
     */
    private Waiter<?> unlinkGrants(int grants, long next) {
        long stamp = (next & VERSION_MASK) | WRITER;
        Waiter<?> first = null;
        Waiter<?> last = null;
        for (; grants > 0; grants--) {
            Waiter<?> w = head;
            unlink(w);
            w.stamp = w.shared ? SHARED_STAMP : stamp;
            if (last == null) {
                first = w;
            } else {
                last.nextGranted = w;
            }
            last = w;
        }
        return first;
    }

    /** Under the queue lock: marks the unlinked grants GRANTED. */
    private static void markGranted(Waiter<?> granted) {
        for (Waiter<?> w = granted; w != null; w = w.nextGranted) {
            w.setStatus(Waiter.GRANTED);
        }
    }

    /** Under the queue lock: undoes {@link #unlinkGrants} after a failed CAS, in queue order. */
    private void relinkGrants(Waiter<?> granted) {
        Waiter<?> before = null;
        for (Waiter<?> w = granted; w != null;) {
            Waiter<?> following = w.nextGranted;
            w.nextGranted = null;
            w.setStatus(Waiter.WAITING);
            linkAfter(before, w);
            if (w.limit != null) {
                w.limit.retake(); // given back by unlinkGrants
            }
            before = w;
            w = following;
        }
    }

    /** Under the queue lock: links {@code w} in at the tail. */
    private void append(Waiter<?> w) {
        linkAfter(tail, w);
    }

    /**
     * Under the queue lock: links {@code w} in behind {@code before}, or at the head if that is
     * null; the inverse of {@link #unlink}.
     */
    private void linkAfter(Waiter<?> before, Waiter<?> w) {
        Waiter<?> after = before == null ? head : before.next;
        w.prev = before;
        w.next = after;
        if (before == null) {
            head = w;
        } else {
            before.next = w;
        }
        if (after == null) {
            tail = w;
        } else {
            after.prev = w;
        }
        QUEUE_LENGTH.setRelease(this, queueLength + 1);
    }

    /** Under the queue lock: takes {@code w} out of the queue. */
    private void unlink(Waiter<?> w) {
        Waiter<?> p = w.prev;
        Waiter<?> n = w.next;
        if (p == null) {
            head = n;
        } else {
            p.next = n;
        }
        if (n == null) {
            tail = p;
        } else {
            n.prev = p;
        }
        w.prev = null;
        w.next = null;
        QUEUE_LENGTH.setRelease(this, queueLength - 1);
        if (w.limit != null) {
            w.limit.giveBack();
        }
    }

    /** Under the queue lock: whether a writer is first in line (published as WRITER_WAITING). */
    private boolean writerFirst() {
        return head != null && !head.shared;
    }

    private void lockQueue() {
        for (int spins = 0;; spins++) {
            long s = state;
            if ((s & QUEUE_LOCK) == 0L) {
                if (STATE.compareAndSet(this, s, s | QUEUE_LOCK)) {
                    return;
                }
            } else if (spins < QUEUE_LOCK_SPINS) {
                Thread.onSpinWait();
            } else {
                Thread.yield(); // the holder may be descheduled; it only has a few writes left to do
            }
        }
    }

    /**
     * Releases the queue lock, publishing QUEUED and WRITER_WAITING (and ending HANDOFF mode if the
     * queue emptied).
     */
    private void unlockQueue() {
        for (;;) {
            long s = state;
            if (STATE.compareAndSet(this, s, unlockedState(s))) {
                return;
            }
        }
    }

    /** Under the queue lock: state {@code s} with the queue lock released and the queue's flags as the queue is. */
    private long unlockedState(long s) {
        long next = s & ~QUEUE_LOCK;
        next = head != null ? next | QUEUED : next & ~(QUEUED | HANDOFF | WOKEN);
        return writerFirst() ? next | WRITER_WAITING : next & ~WRITER_WAITING;
    }

    /** Releases the queue lock, then wakes what {@link #dispatch} decided, outside of it. */
    private void unlockQueueAndWake() {
        Waiter<?> granted = grantedHead;
        Waiter<?> contender = signalTarget;
        grantedHead = grantedTail = signalTarget = null;
        unlockQueue();
        wake(contender, granted);
    }

    /**
     * Outside the queue lock: unparks the contender and the granted blocking waiters, and delivers
     * the asynchronous grants.
     */
    private static void wake(Waiter<?> contender, Waiter<?> granted) {
        if (contender != null) {
            LockSupport.unpark(contender.thread);
        }
        while (granted != null) {
            Waiter<?> next = granted.nextGranted;
            granted.nextGranted = null;
            if (granted.thread != null) {
                LockSupport.unpark(granted.thread);
            } else {
                GrantDelivery.deliver(granted);
            }
            granted = next;
        }
    }

    // ------------------------------------------------------------------ observation

    final LockListener listener() {
        return listener;
    }

    /** A request that queued stopped waiting: ends its JFR event and its listeners' context, if any. */
    final void queuedWaitEnded(@Nullable Object jfrEvent, @Nullable LockListener l, @Nullable Object queued,
            boolean shared, WaitOutcome outcome) {
        LockEvents.endWait(jfrEvent, shared, outcome);
        endQueued(l, queued, outcome);
    }

    /** Ends a queued wait's listener context, if any. */
    final void endQueued(@Nullable LockListener l, @Nullable Object context, WaitOutcome outcome) {
        if (l != null) {
            Listeners.waitEnded(l, context, this, outcome);
        }
    }

    final void giveUp(LockListener l, boolean shared, WaitOutcome outcome, long requested) {
        if (l != null) {
            Listeners.giveUp(l, this, shared, outcome, requested, Listeners.now(l));
        }
    }

    @Override
    public final String getName() {
        return name;
    }

    @Override
    public final int getQueueLength() {
        return queueLength;
    }

    @Override
    public int getHolderCount() {
        long s = state;
        return (s & WRITER) != 0L ? 1 : (int) ((s & READER_MASK) >>> READER_SHIFT);
    }

    @Override
    public boolean isLocked() {
        return (state & HELD) != 0L;
    }

    /** @return the thread holding the lock exclusively through a blocking call, read racily (for diagnostics) */
    final @Nullable Thread exclusiveOwner() {
        return getExclusiveOwnerThread();
    }

    /** The owner field is only ever compared with the current thread, which sees its own writes. */
    final boolean isOwnedByCurrentThread() {
        return getExclusiveOwnerThread() == Thread.currentThread();
    }

    /** Refuses: a lock (its state, queue and the threads in it) means nothing in another JVM. */
    private void writeObject(ObjectOutputStream out) throws IOException {
        throw new NotSerializableException(getClass().getName() + " '" + name + "': locks cannot be serialized; "
                + "serialize the guarded value instead, under the lock");
    }

    private void readObject(ObjectInputStream in) throws IOException {
        throw new NotSerializableException(getClass().getName() + ": locks cannot be deserialized");
    }

    final boolean isHeldExclusively() {
        return (state & WRITER) != 0L;
    }

    /** Whether releases now hand the lock straight to the head of the queue (starvation mode). */
    final boolean isHandingOff() {
        return (state & HANDOFF) != 0L;
    }

    final int sharedHoldCount() {
        return (int) ((state & READER_MASK) >>> READER_SHIFT);
    }

    @Override
    public final void setMaxWaiting(int maxWaiting) {
        if (maxWaiting < 0) {
            throw new IllegalArgumentException("max-waiting of " + this + " must be 0 or more, not " + maxWaiting
                    + " (Integer.MAX_VALUE for no bound)");
        }
        this.maxWaiting = maxWaiting;
    }

    @Override
    public final int getMaxWaiting() {
        return maxWaiting;
    }

    @Override
    public final void setWaitingLimit(@Nullable WaitingLimit limit) {
        this.waitingLimit = limit;
    }

    @Override
    public final @Nullable WaitingLimit getWaitingLimit() {
        return waitingLimit;
    }

    @Override
    public final void addListener(LockListener l) {
        if (l == null) {
            throw new NullPointerException("listener");
        }
        LockListener current;
        do {
            current = listener;
        } while (!LISTENER.compareAndSet(this, current, Listeners.add(current, l)));
    }

    @Override
    public final boolean removeListener(LockListener l) {
        LockListener current;
        LockListener next;
        do {
            current = listener;
            next = Listeners.remove(current, l);
            if (next == current) {
                return false;
            }
        } while (!LISTENER.compareAndSet(this, current, next));
        return true;
    }

    final String describeState() {
        long s = state;
        String held = (s & WRITER) != 0L ? "locked"
                : (s & READER_MASK) != 0L ? "read by " + ((s & READER_MASK) >>> READER_SHIFT) : "unlocked";
        int waiting = queueLength;
        return waiting == 0 ? held : held + ", " + waiting + " waiting";
    }

    static LockMode mode(boolean shared) {
        return shared ? LockMode.SHARED : LockMode.EXCLUSIVE;
    }
}
