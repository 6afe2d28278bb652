package io.ironfence.spring.aop;

import io.ironfence.Guard;
import io.ironfence.LockInterruptedException;
import io.ironfence.LockLostException;
import io.ironfence.LockQueueFullException;
import io.ironfence.LockTimeoutException;
import io.ironfence.Mutex;
import io.ironfence.ObservableLock;
import io.ironfence.RWLock;
import io.ironfence.spring.ClusterLocks;
import io.ironfence.spring.KeyedLocks;
import io.ironfence.spring.LockScope;
import io.ironfence.spring.LockType;
import io.ironfence.spring.NamedLock;

import org.jspecify.annotations.Nullable;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * One use of a named lock by an annotated call: the lock it resolved to (for a key, that key's
 * lock, retained until {@link #finish}), in which mode, with which timeout. Speaks to
 * {@link Mutex}, {@link RWLock} and cluster locks alike and turns their waits into the annotation
 * contract's exceptions.
 */
final class Acquisition {

    private final NamedLock named;
    private final @Nullable Object key;
    private final KeyedLocks.@Nullable Entry entry;
    /** The local lock taken, or null for a cluster-scoped name. */
    private final @Nullable ObservableLock lock;
    private final ClusterLocks.@Nullable Handle cluster;
    /** What identifies the lock among the thread's holds (see {@link #lockIdentity()}). */
    private final Object identity;
    private final boolean shared;
    private final @Nullable Duration timeout;
    private final String description;
    /** 1 once the key's entry is released; only keyed uses need it, so no atomic object per call. */
    private volatile int finished;

    private static final VarHandle FINISHED;

    static {
        try {
            FINISHED = MethodHandles.lookup().findVarHandle(Acquisition.class, "finished", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private Acquisition(NamedLock named, @Nullable Object key, boolean shared, @Nullable Duration timeout,
            String description) {
        if ((key != null) != named.isKeyed()) {
            // Start-up checks every annotation it can see; this catches a bean defined after it.
            throw new IllegalStateException(description + (key != null ? " locks per key, but lock '" + named.getName()
                    + "' is a single lock" : " has no key, but lock '" + named.getName() + "' is keyed")
                    + ". Every use of a name must have a key, or none must; declare ironfence.locks." + named.getName()
                    + ".keyed accordingly, or use another name.");
        }
        if (shared && named.getType() == LockType.MUTEX) {
            throw new IllegalStateException(description + " takes a read lock, but lock '" + named.getName()
                    + "' is a mutex. Declare it with ironfence.locks." + named.getName() + ".type=rwlock.");
        }
        this.named = named;
        this.key = key;
        this.shared = shared;
        this.timeout = timeout;
        this.description = description;
        if (named.getScope() == LockScope.CLUSTER) {
            this.cluster = named.getCluster();
            this.entry = null;
            this.lock = null;
            this.identity = new ClusterKey(named.getName(), key);
        } else {
            this.cluster = null;
            this.entry = key != null ? named.getKeyedLocks().retain(key) : null;
            this.lock = entry != null ? entry.lock() : named.getLock();
            this.identity = lock;
        }
    }

    /**
     * Starts a use of the lock; the caller must {@link #finish} it, whatever happens.
     *
     * @param timeout how long to wait: the annotation's timeout, else the lock's default; null for no limit
     */
    static Acquisition start(NamedLock named, @Nullable Object key, LockOperation operation, @Nullable Duration timeout) {
        return new Acquisition(named, key, operation.shared(), timeout, operation.description());
    }

    /**
     * @return what identifies the lock among the thread's holds: the local lock itself, or for a
     *         cluster-scoped name the name and key (equal for every use of the same key)
     */
    Object lockIdentity() {
        return identity;
    }

    private record ClusterKey(String name, @Nullable Object key) {
    }

    String lockName() {
        return named.getName();
    }

    boolean shared() {
        return shared;
    }

    /** Whether the current thread holds this lock exclusively through a blocking call of its own code. */
    boolean heldExclusivelyByCurrentThread() {
        if (lock == null) {
            return false; // a cluster hold is on this thread only through an annotated method (HeldLocks)
        }
        return lock instanceof Mutex<?> mutex ? mutex.isHeldByCurrentThread()
                : ((RWLock<?>) lock).isWriteLockedByCurrentThread();
    }

    /**
     * Waits for the lock, interruptibly, up to the timeout.
     *
     * @throws LockTimeoutException     if the timeout ran out
     * @throws LockQueueFullException   if the lock's wait queue was full (nothing waited)
     * @throws LockInterruptedException if interrupted (the interrupt flag is set again)
     */
    Guard<?> acquire() {
        try {
            if (cluster != null) {
                return describe(clusterKeyChecked(() -> cluster.acquire(key, shared, timeout)).orElseThrow(this::timedOut));
            }
            if (timeout == null) {
                return describe(lock instanceof Mutex<?> mutex ? mutex.lockInterruptibly()
                        : shared ? ((RWLock<?>) lock).readInterruptibly() : ((RWLock<?>) lock).writeInterruptibly());
            }
            Optional<? extends Guard<?>> guard = lock instanceof Mutex<?> mutex ? mutex.tryLock(timeout)
                    : shared ? ((RWLock<?>) lock).tryRead(timeout) : ((RWLock<?>) lock).tryWrite(timeout);
            return describe(guard.orElseThrow(this::timedOut));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new LockInterruptedException(named.getName(), e);
        } catch (LockQueueFullException e) {
            throw queueFull(e);
        }
    }

    /** Requests the lock without blocking; the future fails with {@link LockTimeoutException} on timeout. */
    CompletableFuture<? extends Guard<?>> acquireAsync() {
        if (cluster != null) {
            try {
                return clusterKeyChecked(() -> cluster.acquireAsync(key, shared, timeout)); // times out by itself
            } catch (InterruptedException e) {
                throw new AssertionError(e); // a request that does not wait is not interrupted
            }
        }
        CompletableFuture<? extends Guard<?>> future = lock instanceof Mutex<?> mutex ? mutex.lockAsync()
                : shared ? ((RWLock<?>) lock).readAsync() : ((RWLock<?>) lock).writeAsync();
        if (timeout != null) {
            future.orTimeout(timeout.toNanos(), TimeUnit.NANOSECONDS); // withdraws the request when it fires
        }
        return future;
    }

    /** Runs a cluster request; a key that cannot be a cluster key fails naming the annotated method. */
    private <R> R clusterKeyChecked(ClusterRequest<R> request) throws InterruptedException {
        try {
            return request.run();
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(description + ": " + e.getMessage(), e);
        }
    }

    @FunctionalInterface
    private interface ClusterRequest<R> {
        R run() throws InterruptedException;
    }

    /**
     * Releases the guard, then ends this use, and tells whether a cluster hold was lost while held.
     *
     * @return the exception that tells the caller its cluster hold was lost while the method ran
     *         (found for sure: by the release to the server, or by asking it), or null if it was
     *         not, or the lock is local
     */
    @Nullable LockLostException releaseChecked(Guard<?> guard) {
        try {
            if (cluster == null) {
                guard.close();
                return null;
            }
            return cluster.release(guard) ? null : new LockLostException(named.getName(), key, description);
        } finally {
            finish();
        }
    }

    /** Tells the lock's monitor which method holds it through this guard; returns the guard. */
    <G extends Guard<?>> G describe(G guard) {
        named.getMonitor().describe(guard, description);
        if (cluster != null) {
            cluster.reportLoss(guard, key, description);
        }
        return guard;
    }

    /** Translates a failed asynchronous acquisition into what the annotated method's caller sees. */
    Throwable translate(Throwable failure) {
        Throwable cause = failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
        return cause instanceof TimeoutException ? timedOut()
                : cause instanceof LockQueueFullException full ? queueFull(full) : cause;
    }

    /** Ends this use: lets a key's lock go once nobody else uses it. Idempotent. */
    void finish() {
        if (entry != null && FINISHED.compareAndSet(this, 0, 1)) {
            named.getKeyedLocks().release(key, entry);
        }
    }

    /** Releases the guard, then ends this use. */
    void release(Guard<?> guard) {
        try {
            guard.close();
        } finally {
            finish();
        }
    }

    String description() {
        return description;
    }

    /** The lock's rejection, told in the annotation's terms: which bound, which property, which method. */
    private LockQueueFullException queueFull(LockQueueFullException full) {
        boolean total = full.getWaitingLimit() != null;
        String property = "ironfence.locks." + named.getName() + (total ? ".max-waiting-total" : ".max-waiting");
        String waitingFor = total ? "its keys together" : key != null ? "this key" : "it";
        LockQueueFullException rejected = new LockQueueFullException("Lock '" + named.getName() + "'"
                + (key != null ? " (key '" + key + "')" : "") + " is busy and " + full.getMaxWaiting()
                + " requests already wait for " + waitingFor + " (" + property + "), so " + description
                + " did not wait and did not run. Retry later, or raise " + property + ".",
                named.getName(), key, full.getMaxWaiting(), full.getWaitingLimit());
        rejected.initCause(full);
        return rejected;
    }

    private LockTimeoutException timedOut() {
        return new LockTimeoutException(named.getName(), key, timeout);
    }
}
