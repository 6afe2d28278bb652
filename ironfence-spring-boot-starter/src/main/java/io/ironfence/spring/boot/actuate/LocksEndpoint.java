package io.ironfence.spring.boot.actuate;

import io.ironfence.WaitingLimit;
import io.ironfence.spring.ClusterLocks;
import io.ironfence.spring.DeadlockDetector;
import io.ironfence.spring.LockMonitor;
import io.ironfence.spring.LockScope;
import io.ironfence.spring.NamedLock;
import io.ironfence.spring.NamedLockRegistry;

import org.jspecify.annotations.Nullable;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;
import org.springframework.boot.actuate.endpoint.annotation.Selector;

import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * The {@code locks} actuator endpoint: every named lock with its type, holders, waiters, counts and
 * the age of its oldest hold ({@code GET /actuator/locks}), and one lock with who holds it now
 * ({@code GET /actuator/locks/{name}}, 404 for an unknown name). Never shows a guarded value or
 * a key. Like every endpoint but {@code health}, exposed over HTTP only when the application
 * includes it in {@code management.endpoints.web.exposure.include}.
 */
@Endpoint(id = "locks")
public class LocksEndpoint {

    private final NamedLockRegistry registry;
    private final @Nullable DeadlockDetector deadlocks;

    /** @param registry the locks to show */
    public LocksEndpoint(NamedLockRegistry registry) {
        this(registry, null);
    }

    /**
     * @param registry  the locks to show
     * @param deadlocks whose confirmed cycles to show, or null (an empty list is shown)
     */
    public LocksEndpoint(NamedLockRegistry registry, @Nullable DeadlockDetector deadlocks) {
        this.registry = registry;
        this.deadlocks = deadlocks;
    }

    /** @return every lock by name */
    @ReadOperation
    public LocksDescriptor locks() {
        Map<String, LockDescriptor> locks = new TreeMap<>();
        for (NamedLock lock : registry.getLocks()) {
            locks.put(lock.getName(), LockDescriptor.of(lock));
        }
        return new LocksDescriptor(locks, deadlocks != null ? deadlocks.getDeadlocks() : List.of());
    }

    /** @return one lock with its current holders, or null (404) if there is no lock of that name */
    @ReadOperation
    public @Nullable LockDetailsDescriptor lock(@Selector String name) {
        return registry.find(name).map(LockDetailsDescriptor::of).orElse(null);
    }

    /**
     * All locks, by name, and the deadlocks among them.
     *
     * @param locks     every lock by name
     * @param deadlocks cycles of threads (virtual threads too) waiting for locks held by each other,
     *                  one list per cycle, each seen on two consecutive checks; empty when none
     */
    public record LocksDescriptor(Map<String, LockDescriptor> locks,
            List<List<DeadlockDetector.DeadlockedThread>> deadlocks) {
    }

    /**
     * One lock's summary.
     *
     * @param type             mutex or rwlock
     * @param scope            local (this JVM) or cluster (every instance of the service)
     * @param holders          holds now (each reader counts), over all keys: the holds the monitor
     *                         lists in one look (a weakly consistent one: a hold released and the next
     *                         one taken during the look may both be counted; the
     *                         {@code ironfence.lock.holders} gauge reads the locks' own counts)
     * @param waiting          requests waiting now, over all keys
     * @param acquisitions     grants since start-up
     * @param contended        grants that had to wait
     * @param timeouts         requests that timed out
     * @param cancellations    requests cancelled while waiting
     * @param interruptions    waits interrupted
     * @param rejections       requests turned away at once because the wait queue was full
     * @param maxWaiting       the bound on the wait queue (per key for a keyed lock), or null if unbounded
     * @param oldestHoldMillis how long the oldest current hold has lasted, or null
     * @param stuck            holds now longer than the lock's warn-held-longer-than
     */
    public record LockDescriptor(String type, String scope, int holders, int waiting, long acquisitions, long contended,
            long timeouts, long cancellations, long interruptions, long rejections, @Nullable Integer maxWaiting,
            @Nullable Long oldestHoldMillis, int stuck) {

        static LockDescriptor of(NamedLock lock) {
            return of(lock, lock.getMonitor().getHolders());
        }

        /**
         * @param current the holds, oldest first, from one look at the monitor: the holder count,
         *                the oldest hold, the stuck count (and the detail's list) all come from it,
         *                so they agree with each other even while holds come and go
         */
        static LockDescriptor of(NamedLock lock, List<LockMonitor.Holder> current) {
            LockMonitor monitor = lock.getMonitor();
            Long oldestMillis = current.isEmpty() ? null : current.get(0).getHeldFor().toMillis();
            int stuck = (int) current.stream().filter(monitor::isStuck).count();
            return new LockDescriptor(lock.getType().id(), lock.getScope().name().toLowerCase(Locale.ROOT),
                    current.size(), lock.getWaitingCount(), monitor.getAcquisitions(),
                    monitor.getContended(), monitor.getTimeouts(), monitor.getCancellations(),
                    monitor.getInterruptions(), monitor.getRejections(),
                    lock.getMaxWaiting() == Integer.MAX_VALUE ? null : lock.getMaxWaiting(), oldestMillis, stuck);
        }
    }

    /**
     * One lock in detail: the summary of {@link #locks()} and more.
     *
     * @param name               the lock's name
     * @param type               mutex or rwlock
     * @param scope              local or cluster
     * @param holders            holds now (each reader counts), over all keys: the length of
     *                           {@code currentHolders}, from the same look
     * @param waiting            requests waiting now, over all keys
     * @param acquisitions       grants since start-up
     * @param contended          grants that had to wait
     * @param timeouts           requests that timed out
     * @param cancellations      requests cancelled while waiting
     * @param interruptions      waits interrupted
     * @param rejections         requests turned away at once because the wait queue was full
     * @param maxWaiting         the bound on the wait queue (per key for a keyed lock), or null if unbounded
     * @param maxWaitingTotal    for a keyed lock, the bound on the requests waiting for all keys together, or null
     * @param oldestHoldMillis   how long the oldest current hold has lasted, or null
     * @param stuck              holds now longer than the lock's warn-held-longer-than
     * @param origin             properties, bean or first_use
     * @param timeout            the default timeout of annotations on it (ISO-8601), or null
     * @param warnHeldLongerThan the stuck-hold threshold (ISO-8601), or null
     * @param keyed              whether it is one lock per key (every use has a key)
     * @param liveKeys           keys whose lock is held or waited for now (never the keys themselves)
     * @param currentHolders     who holds it now in this instance, oldest first
     * @param remote             for a cluster lock, the server's view of it; null for a local lock
     */
    public record LockDetailsDescriptor(String name, String type, String scope, int holders, int waiting, long acquisitions,
            long contended, long timeouts, long cancellations, long interruptions, long rejections,
            @Nullable Integer maxWaiting, @Nullable Integer maxWaitingTotal, @Nullable Long oldestHoldMillis,
            int stuck, String origin, @Nullable String timeout, @Nullable String warnHeldLongerThan, boolean keyed,
            int liveKeys,
            List<HolderDescriptor> currentHolders, @Nullable RemoteDescriptor remote) {

        static LockDetailsDescriptor of(NamedLock lock) {
            LockMonitor monitor = lock.getMonitor();
            List<LockMonitor.Holder> current = monitor.getHolders();
            List<HolderDescriptor> holders = current.stream()
                    .map(holder -> HolderDescriptor.of(holder, monitor.isStuck(holder))).toList();
            LockDescriptor summary = LockDescriptor.of(lock, current);
            return new LockDetailsDescriptor(lock.getName(), summary.type(), summary.scope(), summary.holders(),
                    summary.waiting(),
                    summary.acquisitions(), summary.contended(), summary.timeouts(), summary.cancellations(),
                    summary.interruptions(), summary.rejections(), summary.maxWaiting(),
                    lock.getKeysWaitingLimit().map(WaitingLimit::getMax).orElse(null),
                    summary.oldestHoldMillis(), summary.stuck(),
                    lock.getOrigin().name().toLowerCase(Locale.ROOT), lock.getTimeout().map(Duration::toString).orElse(null),
                    monitor.getWarnHeldLongerThan() != null ? monitor.getWarnHeldLongerThan().toString() : null,
                    lock.isKeyed(), lock.getLiveKeyCount(), holders,
                    lock.getScope() == LockScope.CLUSTER ? RemoteDescriptor.of(lock) : null);
        }
    }

    /**
     * A cluster lock as the server sees it.
     *
     * @param instance  this instance's id on the server ({@code ironfence.cluster.instance-id})
     * @param lostHolds remote holds of this instance found lost since start-up
     * @param holders  who holds the single lock of the name on any instance, then who waits for it;
     *                 null for a keyed name (its keys are not shown) or when the server could not be asked
     * @param error    why the server could not be asked, or null
     */
    public record RemoteDescriptor(String instance, long lostHolds, @Nullable List<ClusterLocks.RemoteHolder> holders,
            @Nullable String error) {

        static RemoteDescriptor of(NamedLock lock) {
            ClusterLocks.Handle cluster = lock.getCluster();
            String instance = cluster.instanceId();
            long lost = cluster.getLostHolds();
            if (lock.isKeyed()) {
                return new RemoteDescriptor(instance, lost, null, null);
            }
            try {
                return new RemoteDescriptor(instance, lost, cluster.describeRemote(), null);
            } catch (RuntimeException e) {
                return new RemoteDescriptor(instance, lost, null, e.getMessage());
            }
        }
    }

    /**
     * One current hold.
     *
     * @param thread       the holding thread's name, or null for an async task
     * @param async        whether an async task holds it
     * @param mode         exclusive or shared
     * @param since        when it was granted
     * @param heldForMillis how long it has been held
     * @param method       the annotated method holding it, or null for code
     * @param stuck        whether it has been held longer than the lock's threshold
     * @param acquiredAt   where it was taken (when stack traces are captured), else null
     */
    public record HolderDescriptor(@Nullable String thread, boolean async, String mode, Instant since,
            long heldForMillis, @Nullable String method, boolean stuck, @Nullable List<String> acquiredAt) {

        static HolderDescriptor of(LockMonitor.Holder holder, boolean stuck) {
            List<String> acquiredAt = holder.getAcquiredAt() == null ? null
                    : Arrays.stream(holder.getAcquiredAt().getStackTrace()).map(StackTraceElement::toString).toList();
            return new HolderDescriptor(holder.getThread(), holder.isAsync(), holder.getMode().tagValue(),
                    holder.getSince(), holder.getHeldFor().toMillis(), holder.getMethod(), stuck, acquiredAt);
        }
    }
}
