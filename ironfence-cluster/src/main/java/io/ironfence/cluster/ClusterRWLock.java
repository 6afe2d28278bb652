package io.ironfence.cluster;

import io.ironfence.Guard;
import io.ironfence.RWLock;
import io.ironfence.ReadGuard;
import io.ironfence.WriteGuard;
import io.ironfence.ObservableLock;
import io.ironfence.cluster.ClusterLockEngine.RemoteHold;
import io.ironfence.spi.LockListener;
import io.ironfence.spi.LockMode;
import io.ironfence.spi.WaitOutcome;

import org.jspecify.annotations.Nullable;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

/**
 * A read-write lock across every instance of a service: many readers in the cluster, or one
 * writer. As {@link ClusterLock} does for exclusive locks, it queues the instance's callers in an
 * IronFence {@link RWLock} first and keeps one remote hold per instance and key.
 *
 * <h2>Cohorting</h2>
 * The local readers of an instance share one remote shared hold: the first of them requests it,
 * the others that arrive while it is pending or held use the same one (at most
 * {@code maxLocalHandoffs} join a held one, then new readers wait for a new request, which the
 * server queues behind other instances' writers), and the last to leave releases it. A local writer (alone locally, by the local lock) needs the remote exclusive hold;
 * on release it may keep it for the next local holder, reader or writer, at most
 * {@code maxLocalHandoffs} times in a row. {@link ClusterWriteGuard#downgrade()} is atomic locally
 * and remotely (the engine takes the shared hold before it lets the exclusive one go, on the same
 * session), and lets the readers queued behind it in.
 * <p>
 * The remote state of a cohort is guarded by a small lock of its own, held for a few field writes
 * only (never across a remote call), because several local readers act on it at once.
 *
 * <h2>Observation</h2>
 * {@link #addListener listeners} see the lock as callers do: a request, then its grant once the
 * local queue <em>and</em> the server granted it (or its give-up), then its release. The lock
 * argument of each event is the key's local lock, whose identity is stable while the key is in use.
 * {@link #getWaitingCount()} and {@link #getHolderCount()} count the same way.
 */
public final class ClusterRWLock implements ObservableClusterLock {

    private static final Object SINGLE = new Object();

    private final String name;
    private final ClusterLockEngine engine;
    private final int maxLocalHandoffs;
    private final LiveKeyLimit liveKeys;
    private final ConcurrentHashMap<Object, Cohort> cohorts = new ConcurrentHashMap<>();
    private final List<LockListener> listeners = new CopyOnWriteArrayList<>();
    private final List<RemoteLockListener> remoteListeners = new CopyOnWriteArrayList<>();
    private final AtomicInteger waiting = new AtomicInteger();
    private final AtomicInteger holders = new AtomicInteger();
    private final LongAdder localHandoffs = new LongAdder();
    private final LongAdder lostHolds = new LongAdder();

    /**
     * A lock with no limit on its live keys.
     *
     * @param name             the lock's name, the same on every instance
     * @param engine           the engine of the remote locks
     * @param maxLocalHandoffs how many times in a row a writer's release may keep the remote
     *                         exclusive hold for the next local holder
     */
    public ClusterRWLock(String name, ClusterLockEngine engine, int maxLocalHandoffs) {
        this(name, engine, maxLocalHandoffs, LiveKeyLimit.unlimited());
    }

    /**
     * @param name             the lock's name, the same on every instance
     * @param engine           the engine of the remote locks
     * @param maxLocalHandoffs how many times in a row a writer's release may keep the remote
     *                         exclusive hold for the next local holder
     * @param liveKeys         the limit on live keys this lock shares with others (each live key may
     *                         use a connection and a slot of the server's lock table)
     */
    public ClusterRWLock(String name, ClusterLockEngine engine, int maxLocalHandoffs, LiveKeyLimit liveKeys) {
        if (maxLocalHandoffs < 0) {
            throw new IllegalArgumentException("max-local-handoffs must not be negative, was " + maxLocalHandoffs);
        }
        this.name = name;
        this.engine = new ObservedEngine(engine, name, remoteListeners);
        this.maxLocalHandoffs = maxLocalHandoffs;
        this.liveKeys = liveKeys;
        remoteListeners.add(new RemoteLockListener() {
            @Override
            public void onRemoteLost(boolean shared) {
                lostHolds.increment();
            }
        });
    }

    /**
     * Attaches a listener that sees every request, grant, release and give-up of this lock (see
     * the class description). Attach listeners before the lock is used.
     *
     * @param listener the listener
     */
    @Override
    public void addListener(LockListener listener) {
        listeners.add(listener);
    }

    /**
     * Attaches a listener to the remote side: requests to the server, remote holds and their loss.
     * Attach listeners before the lock is used.
     *
     * @param listener the listener
     */
    @Override
    public void addRemoteListener(RemoteLockListener listener) {
        remoteListeners.add(listener);
    }

    /** @return requests waiting now, in the local queue or at the server */
    @Override
    public int getWaitingCount() {
        return waiting.get();
    }

    /** @return holds now (each local reader counts) */
    @Override
    public int getHolderCount() {
        return holders.get();
    }

    /** @return how many times a release kept the remote exclusive hold for a local waiter */
    @Override
    public long getLocalHandoffs() {
        return localHandoffs.sum();
    }

    /** @return how many remote holds of this lock were found lost */
    @Override
    public long getLostHolds() {
        return lostHolds.sum();
    }

    /** @return the lock's name */
    @Override
    public String getName() {
        return name;
    }

    /** @return the number of keys with a local holder, waiter or kept remote hold */
    @Override
    public int getLiveKeyCount() {
        return cohorts.size();
    }

    /**
     * Requests a read hold of the key without blocking.
     *
     * @param key     the key, or null for the single lock of the name
     * @param timeout how long to wait in all; null to wait without limit
     * @return the future of the guard; cancelling it withdraws the request
     */
    public CompletableFuture<ClusterReadGuard> readAsync(@Nullable Object key, @Nullable Duration timeout) {
        return read(key, timeout, true).result;
    }

    private Request<ClusterReadGuard> read(@Nullable Object key, @Nullable Duration timeout, boolean async) {
        Request<ClusterReadGuard> request = start(key, timeout, LockMode.SHARED, async);
        CompletableFuture<ReadGuard<Void>> local = request.cohort.local.readAsync();
        request.onLocal(local, guard -> request.cohort.takeShared(guard, request));
        return request;
    }

    /**
     * Requests the write lock of the key without blocking.
     *
     * @param key     the key, or null for the single lock of the name
     * @param timeout how long to wait in all; null to wait without limit
     * @return the future of the guard; cancelling it withdraws the request
     */
    public CompletableFuture<ClusterWriteGuard> writeAsync(@Nullable Object key, @Nullable Duration timeout) {
        return write(key, timeout, true).result;
    }

    private Request<ClusterWriteGuard> write(@Nullable Object key, @Nullable Duration timeout, boolean async) {
        Request<ClusterWriteGuard> request = start(key, timeout, LockMode.EXCLUSIVE, async);
        CompletableFuture<WriteGuard<Void>> local = request.cohort.local.writeAsync();
        request.onLocal(local, guard -> request.cohort.takeExclusive(guard, request));
        return request;
    }

    /** Waits, interruptibly, for a read hold of the key. */
    public ClusterReadGuard readInterruptibly(@Nullable Object key) throws InterruptedException {
        return await(read(key, null, false)).orElseThrow();
    }

    /** Waits at most {@code timeout} for a read hold of the key; empty on timeout. */
    public Optional<ClusterReadGuard> tryRead(@Nullable Object key, Duration timeout) throws InterruptedException {
        return await(read(key, timeout, false));
    }

    /** Waits, interruptibly, for the write lock of the key. */
    public ClusterWriteGuard writeInterruptibly(@Nullable Object key) throws InterruptedException {
        return await(write(key, null, false)).orElseThrow();
    }

    /** Waits at most {@code timeout} for the write lock of the key; empty on timeout. */
    public Optional<ClusterWriteGuard> tryWrite(@Nullable Object key, Duration timeout) throws InterruptedException {
        return await(write(key, timeout, false));
    }

    private <G extends HoldGuard<?>> Request<G> start(@Nullable Object key, @Nullable Duration timeout, LockMode mode,
            boolean async) {
        long lockKey = ClusterLockKeys.of(name, key);
        Cohort cohort = cohorts.compute(key != null ? key : SINGLE, (k, existing) -> {
            Cohort c = existing;
            if (c == null) {
                liveKeys.take(name); // throws when the instance has too many live keys: nothing is changed then
                c = new Cohort(k, lockKey);
            }
            c.users++;
            return c;
        });
        return new Request<>(cohort, timeout, mode, async);
    }

    /** A blocking wait: the grant is announced on the waiting thread, which holds the lock from then on. */
    private <G extends HoldGuard<?>> Optional<G> await(Request<G> request) throws InterruptedException {
        CompletableFuture<G> future = request.result;
        G guard;
        try {
            guard = future.get();
        } catch (InterruptedException e) {
            request.interrupted = true;
            if (!future.cancel(false)) {
                G granted = future.getNow(null);
                if (granted != null) {
                    request.reportGiveUp(WaitOutcome.INTERRUPTED); // granted as the interrupt came: never the caller's
                    granted.close();
                }
            }
            throw e;
        } catch (ExecutionException e) {
            if (e.getCause() instanceof TimeoutException) {
                return Optional.empty();
            }
            throw e.getCause() instanceof RuntimeException runtime ? runtime : new CompletionException(e.getCause());
        }
        request.announce(guard);
        return Optional.of(guard);
    }

    private void fire(Consumer<LockListener> event) {
        ListenerCalls.fire(listeners, event, name);
    }

    /**
     * One caller's request: its result, its deadline, its own remote request if it made one, and
     * how it ends for listeners: exactly one grant or one give-up, whichever comes first.
     */
    private final class Request<G> {

        final Cohort cohort;
        final CompletableFuture<G> result = new CompletableFuture<>();
        final long deadline;
        final LockMode mode;
        final boolean async;
        final long requestNanos = System.nanoTime();
        final AtomicReference<CompletableFuture<RemoteHold>> remoteRequest = new AtomicReference<>();
        /** Claimed once: by the grant, or by the give-up, of a reader waiting for the shared hold. */
        final AtomicBoolean claimed = new AtomicBoolean();
        /** Set once the request is granted (announced) or given up, for listeners. */
        final AtomicBoolean ended = new AtomicBoolean();
        /** Whether the request queued behind local holders (contended). */
        volatile boolean queuedLocally;
        /** Set by a blocking waiter before it withdraws on an interrupt. */
        volatile boolean interrupted;
        /** The thread of a blocking request, which may take a free remote lock itself; null for async ones. */
        final @Nullable Thread requester;

        Request(Cohort cohort, @Nullable Duration timeout, LockMode mode, boolean async) {
            this.cohort = cohort;
            this.mode = mode;
            this.async = async;
            this.requester = async ? null : Thread.currentThread();
            long nanos = timeout == null ? 0L : Math.max(0L, saturatedNanos(timeout));
            this.deadline = timeout == null ? Long.MAX_VALUE : requestNanos + nanos;
            waiting.incrementAndGet();
            fire(listener -> listener.onRequest(cohort.local, mode, requestNanos));
            if (timeout != null) {
                result.orTimeout(nanos, TimeUnit.NANOSECONDS);
            }
        }

        @Nullable Duration remaining() {
            return deadline == Long.MAX_VALUE ? null : Duration.ofNanos(Math.max(0L, deadline - System.nanoTime()));
        }

        /** Tells listeners of the grant, unless the request was given up first. */
        void announce(HoldGuard<?> guard) {
            if (ended.compareAndSet(false, true)) {
                guard.grantNanos = System.nanoTime();
                guard.announced = true;
                waiting.decrementAndGet();
                holders.incrementAndGet();
                fire(listener -> listener.onAcquire(cohort.local, guard, mode, requestNanos, guard.grantNanos,
                        queuedLocally, async));
            }
        }

        void reportGiveUp(WaitOutcome outcome) {
            if (ended.compareAndSet(false, true)) {
                waiting.decrementAndGet();
                long now = System.nanoTime();
                fire(listener -> listener.onGiveUp(cohort.local, mode, outcome, requestNanos, now));
            }
        }

        <L extends Guard<Void>> void onLocal(CompletableFuture<L> local, Consumer<L> granted) {
            queuedLocally = !local.isDone();
            local.whenComplete((guard, failure) -> {
                if (failure != null) {
                    cohort.finish();
                    result.completeExceptionally(unwrap(failure));
                } else if (result.isDone()) {
                    guard.close(); // the caller gave up as the local lock came
                    cohort.releaseIfIdle();
                    cohort.finish();
                } else {
                    granted.accept(guard);
                }
            });
            result.whenComplete((value, failure) -> {
                if (failure != null) {
                    reportGiveUp(failure instanceof TimeoutException ? WaitOutcome.TIMEOUT
                            : failure instanceof CancellationException && interrupted ? WaitOutcome.INTERRUPTED
                            : WaitOutcome.CANCELLED); // cancelled, or the server failed it
                    local.cancel(false);
                    CompletableFuture<RemoteHold> remote = remoteRequest.get();
                    if (remote != null) {
                        remote.cancel(false);
                    }
                    cohort.readerGaveUp(this);
                }
            });
        }

        /** Completes the request with the guard; an async grant is announced first, a blocking one by its waiter. */
        void grant(HoldGuard<?> guard) {
            if (async) {
                announce(guard); // before complete: the caller may close the guard as soon as it has it
            }
            @SuppressWarnings("unchecked")
            G typed = (G) guard;
            if (!result.complete(typed)) {
                guard.close();
            }
        }
    }

    /**
     * A remote hold of the cohort and the local holders using it. Readers that join a hold count
     * as joins: after {@code maxLocalHandoffs} of them new readers wait for a new remote request,
     * which the server queues behind other instances' waiting writers, so a stream of local readers
     * cannot keep the remote shared hold forever. Guarded by the cohort's state lock.
     */
    private static final class Remote {
        final RemoteHold hold;
        int users;
        int joins;

        Remote(RemoteHold hold, int users) {
            this.hold = hold;
            this.users = users;
        }
    }

    /**
     * The instance's side of one (name, key). {@link #current}, {@link #handoffs} and
     * {@link #sharedWait} are guarded by {@link #state}; {@link #current} is volatile for
     * {@link #releaseIfIdle}'s look without it. Older remote holds that readers still use are
     * referenced by their guards only, and released by their last user.
     */
    private final class Cohort {

        final Object key;
        final long lockKey;
        final RWLock<Void> local;
        final ReentrantLock state = new ReentrantLock();
        /** Guarded by the map's lock for this key (only touched inside compute). */
        int users;
        /** The remote hold new local holders may use, if any. */
        volatile @Nullable Remote current;
        /** Writers' releases in a row that kept the exclusive hold for a local holder. */
        int handoffs;
        /** The shared request local readers wait for now, if any. */
        @Nullable SharedWait sharedWait;

        Cohort(Object key, long lockKey) {
            this.key = key;
            this.lockKey = lockKey;
            this.local = RWLock.named(name, null);
        }

        /** A local reader waiting for the shared remote hold. */
        private record Waiting(Request<ClusterReadGuard> request, ReadGuard<Void> localGuard) {
        }

        /**
         * One remote shared request and the local readers waiting for it. It has no deadline of its
         * own: it is cancelled when every reader waiting for it gave up, and it is then no longer
         * the cohort's, so readers that come later start a new one.
         */
        private final class SharedWait {
            final List<Waiting> waiting = new ArrayList<>();
            @Nullable CompletableFuture<RemoteHold> remoteRequest;
        }

        /** As a local reader: joins the remote hold the instance has, or waits for a shared one. */
        @SuppressWarnings("unchecked")
        void takeShared(ReadGuard<Void> localGuard, Request<?> anyRequest) {
            Request<ClusterReadGuard> request = (Request<ClusterReadGuard>) anyRequest;
            Remote joined = null;
            SharedWait started = null;
            RemoteHold unused = null;
            state.lock();
            try {
                Remote r = current;
                if (r != null && r.hold.isValid() && r.joins < maxLocalHandoffs) {
                    r.users++;
                    r.joins++;
                    joined = r;
                } else {
                    if (r != null && r.users == 0) {
                        // Kept (or lost) and unused: let it go now. A kept exclusive hold would
                        // block the shared request this reader is about to wait for.
                        unused = r.hold;
                        current = null;
                        handoffs = 0;
                    }
                    if (sharedWait == null) {
                        sharedWait = new SharedWait();
                        started = sharedWait;
                    }
                    sharedWait.waiting.add(new Waiting(request, localGuard));
                }
            } finally {
                state.unlock();
            }
            if (unused != null) {
                unused.close();
            }
            if (joined != null) {
                grantRead(request, localGuard, joined);
                return;
            }
            if (started != null) {
                SharedWait wait = started;
                CompletableFuture<RemoteHold> remoteRequest = engine.acquire(lockKey, true, null);
                boolean abandoned;
                state.lock();
                try {
                    wait.remoteRequest = remoteRequest;
                    abandoned = wait.waiting.isEmpty();
                } finally {
                    state.unlock();
                }
                if (abandoned) {
                    remoteRequest.cancel(false); // every reader gave up before we asked
                }
                remoteRequest.whenComplete((hold, failure) -> sharedAnswered(wait, hold, failure));
            }
            if (request.result.isDone()) {
                readerGaveUp(request); // it gave up before it was in the list
            }
        }

        /** A shared request was answered: the readers still waiting share the new hold, or fail. */
        private void sharedAnswered(SharedWait wait, @Nullable RemoteHold hold, @Nullable Throwable failure) {
            List<Waiting> granted = new ArrayList<>();
            Remote fresh = null;
            Remote replaced = null;
            state.lock();
            try {
                if (sharedWait == wait) {
                    sharedWait = null;
                }
                for (Waiting waiting : wait.waiting) {
                    if (waiting.request().claimed.compareAndSet(false, true)) {
                        granted.add(waiting);
                    }
                }
                wait.waiting.clear();
                if (hold != null && !granted.isEmpty()) {
                    fresh = new Remote(hold, granted.size());
                    Remote old = current;
                    if (old != null && old.users == 0) {
                        replaced = old; // kept, but nobody uses it now: the new one takes its place
                    }
                    current = fresh;
                    handoffs = 0;
                }
            } finally {
                state.unlock();
            }
            if (replaced != null) {
                replaced.hold.close();
            }
            if (hold != null && granted.isEmpty()) {
                hold.close(); // every reader gave up meanwhile
            }
            for (Waiting waiting : granted) {
                if (fresh == null) {
                    waiting.localGuard().close();
                    finish();
                    waiting.request().result.completeExceptionally(failure != null ? unwrap(failure)
                            : new IllegalStateException("no remote hold"));
                } else {
                    grantRead(waiting.request(), waiting.localGuard(), fresh);
                }
            }
            if (fresh == null) {
                releaseIfIdle();
            }
        }

        /** A request gave up: if it is a reader waiting for the shared hold, it leaves that wait. */
        void readerGaveUp(Request<?> request) {
            Waiting left = null;
            CompletableFuture<RemoteHold> toCancel = null;
            state.lock();
            try {
                SharedWait wait = sharedWait;
                if (wait == null) {
                    return;
                }
                for (Waiting waiting : wait.waiting) {
                    if (waiting.request() == request) {
                        left = waiting;
                        break;
                    }
                }
                if (left == null || !request.claimed.compareAndSet(false, true)) {
                    return; // not waiting for the shared hold, or granted it already (its guard is closed)
                }
                wait.waiting.remove(left);
                if (wait.waiting.isEmpty()) {
                    sharedWait = null; // later readers start a new request
                    toCancel = wait.remoteRequest; // null: the starter cancels it when it stores it
                }
            } finally {
                state.unlock();
            }
            left.localGuard().close();
            if (toCancel != null) {
                toCancel.cancel(false); // a grant racing this is closed in sharedAnswered
            }
            releaseIfIdle();
            finish();
        }

        private void grantRead(Request<ClusterReadGuard> request, ReadGuard<Void> localGuard, Remote remote) {
            request.grant(new ClusterReadGuard(this, localGuard, remote, request.async));
        }

        /** As the local writer (no local reader holds now): uses a kept exclusive hold, or requests one. */
        @SuppressWarnings("unchecked")
        void takeExclusive(WriteGuard<Void> localGuard, Request<?> anyRequest) {
            Request<ClusterWriteGuard> request = (Request<ClusterWriteGuard>) anyRequest;
            Remote usable = null;
            Remote stale = null;
            state.lock();
            try {
                Remote r = current;
                if (r != null && r.hold.isValid() && !r.hold.shared()) {
                    r.users = 1;
                    usable = r;
                } else if (r != null) {
                    stale = r; // lost, or a shared hold nobody uses now: a writer needs the exclusive one
                    current = null;
                }
            } finally {
                state.unlock();
            }
            if (stale != null) {
                stale.hold.close();
            }
            if (usable != null) {
                grantWrite(request, localGuard, usable, true);
                return;
            }
            if (request.requester == Thread.currentThread()) {
                // A blocking caller that got the local lock at once: try the server on its own
                // thread first, saving the hand-over to an engine thread and back when it is free.
                RemoteHold now = engine.tryAcquireNow(lockKey, false);
                if (now != null) {
                    grantWrite(request, localGuard, holdNow(now), false);
                    return;
                }
            }
            CompletableFuture<RemoteHold> remoteRequest = engine.acquire(lockKey, false, request.remaining());
            request.remoteRequest.set(remoteRequest);
            if (request.result.isDone()) {
                remoteRequest.cancel(false);
            }
            remoteRequest.whenComplete((hold, failure) -> {
                if (failure != null) {
                    localGuard.close();
                    releaseIfIdle();
                    finish();
                    request.result.completeExceptionally(unwrap(failure));
                    return;
                }
                grantWrite(request, localGuard, holdNow(hold), false);
            });
        }

        /** A new exclusive hold becomes the cohort's current one. */
        private Remote holdNow(RemoteHold hold) {
            Remote fresh = new Remote(hold, 1);
            state.lock();
            try {
                current = fresh;
                handoffs = 0;
            } finally {
                state.unlock();
            }
            return fresh;
        }

        private void grantWrite(Request<ClusterWriteGuard> request, WriteGuard<Void> localGuard, Remote remote,
                boolean handedOff) {
            request.grant(new ClusterWriteGuard(this, localGuard, remote, handedOff, request.async));
        }

        /**
         * A local holder leaves. The last user of a remote hold releases it, unless it is the
         * current exclusive hold and a local holder is queued (at most maxLocalHandoffs times in a row).
         *
         * @param verify whether to find out for sure that the hold was not lost: the release to the
         *               server says so at no cost; a hold kept or still shared is asked (a round trip)
         * @return whether the hold was intact until now (without verify: as far as is known)
         */
        boolean release(Guard<Void> localGuard, Remote remote, boolean verify) {
            RemoteHold toClose = null;
            boolean kept = false;
            state.lock();
            try {
                if (--remote.users == 0) {
                    if (remote == current) {
                        // Not while local readers wait for a shared request: this instance's own
                        // exclusive hold would keep the server from granting it.
                        kept = remote.hold.isValid() && !remote.hold.shared() && handoffs < maxLocalHandoffs
                                && local.getQueueLength() > 0 && sharedWait == null;
                        if (kept) {
                            handoffs++;
                            localHandoffs.increment();
                            remote.joins = 0;
                        } else {
                            current = null;
                            handoffs = 0;
                            toClose = remote.hold;
                        }
                    } else {
                        toClose = remote.hold; // an older hold: newer readers use the current one
                    }
                }
            } finally {
                state.unlock();
            }
            boolean intact;
            if (toClose != null) {
                intact = toClose.release();
            } else {
                // Asked before the next local holder gets it: an answer later would be about its hold.
                intact = verify ? remote.hold.verify() : remote.hold.isValid();
            }
            localGuard.close();
            if (kept) {
                releaseIfIdle();
            }
            finish();
            return intact;
        }

        /** A kept hold that nobody took (its waiter withdrew) is released by whoever finds the lock idle. */
        void releaseIfIdle() {
            while (current != null && !local.isLocked()) {
                Optional<WriteGuard<Void>> probe = local.tryWrite();
                if (probe.isEmpty()) {
                    return;
                }
                RemoteHold toClose = null;
                state.lock();
                try {
                    Remote r = current;
                    if (r != null && r.users == 0 && sharedWait == null && local.getQueueLength() == 0) {
                        toClose = r.hold;
                        current = null;
                        handoffs = 0;
                    }
                } finally {
                    state.unlock();
                }
                if (toClose != null) {
                    toClose.close();
                }
                probe.get().close();
                if (toClose == null) {
                    return; // somebody will use it
                }
            }
        }

        void finish() {
            cohorts.computeIfPresent(key, (k, cohort) -> {
                if (--cohort.users == 0 && cohort.current == null) {
                    liveKeys.give();
                    return null;
                }
                return cohort;
            });
        }
    }

    /** What the read and the write guard share: the local guard, the remote hold, closing once. */
    private abstract class HoldGuard<L extends Guard<Void>> implements ClusterGuard {

        final Cohort cohort;
        final L localGuard;
        final Remote remote;
        final LockMode mode;
        final boolean async;
        final AtomicBoolean closed = new AtomicBoolean();
        final CompletableFuture<Void> lost = new CompletableFuture<>();
        /** Whether listeners were told of the grant, and when it was: then they are told of the release. */
        volatile boolean announced;
        long grantNanos;

        HoldGuard(Cohort cohort, L localGuard, Remote remote, LockMode mode, boolean async) {
            this.cohort = cohort;
            this.localGuard = localGuard;
            this.remote = remote;
            this.mode = mode;
            this.async = async;
            // Decided once, when the loss is found: whether this guard still held then. A loss of a
            // hold it passed on is not this holder's; one it saw must stay seen after it closes.
            remote.hold.whenLost().thenRun(() -> {
                if (!closed.get()) {
                    lost.complete(null);
                }
            });
        }

        void reportRelease() {
            if (announced) {
                holders.decrementAndGet();
                long now = System.nanoTime();
                fire(listener -> listener.onRelease(cohort.local, this, mode, grantNanos, now));
            }
        }

        @Override
        public @Nullable Void get() {
            localGuard.get(); // throws once closed
            return null;
        }

        @Override
        public boolean isValid() {
            return !closed.get() && remote.hold.isValid();
        }

        /** A copy: callers cannot complete the guard's own future. */
        @Override
        public CompletableFuture<Void> whenLost() {
            return lost.copy();
        }

        /** Releases the hold, or passes it to a local waiter. Idempotent. */
        @Override
        public void close() {
            end(false);
        }

        @Override
        public boolean release() {
            return end(true) && !lost.isDone();
        }

        private boolean end(boolean verify) {
            if (!closed.compareAndSet(false, true)) {
                return false;
            }
            reportRelease(); // before the release, so that the next holder's grant comes after it
            return cohort.release(localGuard, remote, verify);
        }

        @Override
        public String toString() {
            return getClass().getSimpleName() + "[" + name + (closed.get() ? ", closed]"
                    : remote.hold.isValid() ? ", held]" : ", lost]");
        }
    }

    /** A read hold of the cluster lock, sharing the remote hold with the instance's other local readers. */
    public final class ClusterReadGuard extends HoldGuard<ReadGuard<Void>> {

        ClusterReadGuard(Cohort cohort, ReadGuard<Void> localGuard, Remote remote, boolean async) {
            super(cohort, localGuard, remote, LockMode.SHARED, async);
        }

        @Override
        public long fencingToken() {
            return remote.hold.fencingToken();
        }
    }

    /** The write hold of the cluster lock. */
    public final class ClusterWriteGuard extends HoldGuard<WriteGuard<Void>> {

        private final boolean handedOff;
        private volatile long token = Long.MIN_VALUE;

        ClusterWriteGuard(Cohort cohort, WriteGuard<Void> localGuard, Remote remote, boolean handedOff,
                boolean async) {
            super(cohort, localGuard, remote, LockMode.EXCLUSIVE, async);
            this.handedOff = handedOff;
        }

        /** A writer the hold was passed to locally gets a new token from the server on first call. */
        @Override
        public long fencingToken() {
            long current = token;
            if (current == Long.MIN_VALUE) {
                current = handedOff ? remote.hold.nextFencingToken() : remote.hold.fencingToken();
                token = current;
            }
            return current;
        }

        /**
         * Turns the write hold into a read hold, atomically here and in the cluster: no writer of any
         * instance can take the lock in between, and local readers queued behind this writer get in.
         *
         * @return the read guard; this guard is closed by the call
         * @throws IllegalStateException if this guard is closed or its remote hold is lost
         */
        public ClusterReadGuard downgrade() {
            if (!closed.compareAndSet(false, true)) {
                throw new IllegalStateException("This write guard of '" + name + "' is closed");
            }
            RemoteHold sharedHold;
            try {
                sharedHold = remote.hold.downgrade(); // a remote call: not under the cohort's state lock
            } catch (IllegalStateException e) {
                closed.set(false);
                throw e;
            }
            Remote shared = new Remote(sharedHold, 1); // this holder, now a reader
            cohort.state.lock();
            try {
                cohort.current = shared;
                cohort.handoffs = 0;
            } finally {
                cohort.state.unlock();
            }
            reportRelease(); // as a local downgrade does: the write hold ends, a read hold begins
            ReadGuard<Void> localRead = localGuard.downgrade(); // lets the queued local readers in
            ClusterReadGuard read = new ClusterReadGuard(cohort, localRead, shared, async);
            if (announced) {
                read.grantNanos = System.nanoTime();
                read.announced = true;
                holders.incrementAndGet();
                fire(listener -> listener.onAcquire(cohort.local, read, LockMode.SHARED, read.grantNanos,
                        read.grantNanos, false, async));
            }
            return read;
        }
    }

    private static Throwable unwrap(Throwable failure) {
        return failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
    }

    private static long saturatedNanos(Duration timeout) {
        try {
            return timeout.toNanos();
        } catch (ArithmeticException e) {
            return timeout.isNegative() ? 0L : Long.MAX_VALUE / 2;
        }
    }
}
