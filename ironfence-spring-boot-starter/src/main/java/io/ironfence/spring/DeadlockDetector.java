package io.ironfence.spring;

import io.ironfence.ObservableLock;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * Finds threads, virtual threads included, that wait for IronFence locks held by each other: a
 * cycle that will never end by itself. The JDK's {@code findDeadlockedThreads()} sees cycles of
 * platform threads only; this one reads each holder's {@link LockSupport#getBlocker park blocker},
 * which is the IronFence lock it waits for, for virtual threads too.
 * <p>
 * A cycle is reported only once it has been seen on two consecutive {@link #check()}s, with the
 * same threads waiting for the same locks: a look taken while a lock passes from one thread to
 * the next can show a wait that is already over. Each reported cycle is logged once at ERROR, with
 * the threads, the locks they hold and wait for, and the annotated methods holding them.
 */
public class DeadlockDetector {

    private static final Log logger = LogFactory.getLog(DeadlockDetector.class);

    private final NamedLockRegistry registry;
    private final AtomicLong found = new AtomicLong();
    private Set<List<Edge>> seenLastTime = Set.of();
    private final Set<List<Edge>> reported = new HashSet<>();
    private volatile List<List<DeadlockedThread>> current = List.of();

    /**
     * One thread of a cycle.
     *
     * @param thread   its name
     * @param virtual  whether it is a virtual thread
     * @param holds    the names of the locks it holds
     * @param methods  the annotated methods through which it holds them (where known)
     * @param waitsFor the name of the lock it waits for, held by the next thread of the cycle
     */
    public record DeadlockedThread(String thread, boolean virtual, List<String> holds, List<String> methods,
            String waitsFor) {
    }

    /** Thread {@code waiter} waits for {@code lock}, which {@code holder} holds. */
    private record Edge(Thread waiter, ObservableLock lock, Thread holder) {
    }

    /** @param registry the locks to look at, including those created after start-up */
    public DeadlockDetector(NamedLockRegistry registry) {
        this.registry = registry;
    }

    /** @return the cycles confirmed by the last two checks; an empty list when there are none */
    public List<List<DeadlockedThread>> getDeadlocks() {
        return current;
    }

    /** @return the cycles reported since start-up */
    public long getDeadlocksFound() {
        return found.get();
    }

    /** Looks for cycles; reports (logs, counts) those seen on this check and the one before. */
    public synchronized void check() {
        Map<ObservableLock, String> names = new IdentityHashMap<>();
        Map<ObservableLock, List<LockMonitor.Holder>> holdersByLock = new IdentityHashMap<>();
        Map<Thread, List<LockMonitor.Holder>> holdsByThread = new LinkedHashMap<>();
        for (NamedLock named : registry.getLocks()) {
            for (LockMonitor.Holder holder : named.getMonitor().getHolders()) {
                Thread owner = holder.getOwner();
                if (owner == null) {
                    continue; // an async hold belongs to no thread: it ends when its task completes
                }
                names.put(holder.getLock(), named.getName());
                holdersByLock.computeIfAbsent(holder.getLock(), lock -> new ArrayList<>()).add(holder);
                holdsByThread.computeIfAbsent(owner, thread -> new ArrayList<>()).add(holder);
            }
        }
        Map<Thread, List<Edge>> waits = new HashMap<>();
        for (Thread thread : holdsByThread.keySet()) {
            // Only a thread that holds a lock can be part of a cycle; and it waits for the lock it parks on.
            if (LockSupport.getBlocker(thread) instanceof ObservableLock lock && holdersByLock.containsKey(lock)) {
                for (LockMonitor.Holder holder : holdersByLock.get(lock)) {
                    waits.computeIfAbsent(thread, t -> new ArrayList<>()).add(new Edge(thread, lock, holder.getOwner()));
                }
            }
        }
        Set<List<Edge>> cycles = findCycles(waits);
        List<List<DeadlockedThread>> confirmed = new ArrayList<>();
        for (List<Edge> cycle : cycles) {
            if (!seenLastTime.contains(cycle)) {
                continue;
            }
            List<DeadlockedThread> described = describe(cycle, holdsByThread, names);
            confirmed.add(described);
            if (reported.add(cycle)) {
                found.incrementAndGet();
                logger.error(message(described));
            }
        }
        reported.retainAll(cycles); // a cycle that ended (threads interrupted, say) may be reported again if it recurs
        seenLastTime = cycles;
        current = List.copyOf(confirmed);
    }

    /** @return every elementary cycle of waits, each as its edges starting at the lowest thread id */
    private static Set<List<Edge>> findCycles(Map<Thread, List<Edge>> waits) {
        Set<List<Edge>> cycles = new HashSet<>();
        for (Thread start : waits.keySet()) {
            walk(start, start, new ArrayList<>(), new HashSet<>(), waits, cycles);
        }
        return cycles;
    }

    private static void walk(Thread start, Thread at, List<Edge> path, Set<Thread> onPath,
            Map<Thread, List<Edge>> waits, Set<List<Edge>> cycles) {
        onPath.add(at);
        for (Edge edge : waits.getOrDefault(at, List.of())) {
            path.add(edge);
            if (edge.holder() == start) {
                cycles.add(canonical(path));
            } else if (!onPath.contains(edge.holder())) {
                walk(start, edge.holder(), path, onPath, waits, cycles);
            }
            path.remove(path.size() - 1);
        }
        onPath.remove(at);
    }

    /** The same cycle found from each of its threads is one cycle: rotate it to start at the lowest id. */
    private static List<Edge> canonical(List<Edge> path) {
        int first = 0;
        for (int i = 1; i < path.size(); i++) {
            if (threadId(path.get(i).waiter()) < threadId(path.get(first).waiter())) {
                first = i;
            }
        }
        List<Edge> rotated = new ArrayList<>(path.size());
        for (int i = 0; i < path.size(); i++) {
            rotated.add(path.get((first + i) % path.size()));
        }
        return List.copyOf(rotated);
    }

    @SuppressWarnings("deprecation") // Thread.threadId() is Java 19+
    private static long threadId(Thread thread) {
        return thread.getId();
    }

    private static List<DeadlockedThread> describe(List<Edge> cycle, Map<Thread, List<LockMonitor.Holder>> holdsByThread,
            Map<ObservableLock, String> names) {
        List<DeadlockedThread> threads = new ArrayList<>();
        for (Edge edge : cycle) {
            List<LockMonitor.Holder> holds = holdsByThread.getOrDefault(edge.waiter(), List.of());
            holds.sort(Comparator.comparing(LockMonitor.Holder::getHeldFor).reversed());
            List<String> held = holds.stream().map(holder -> names.get(holder.getLock())).distinct().toList();
            List<String> methods = holds.stream().map(LockMonitor.Holder::getMethod).filter(m -> m != null).distinct()
                    .toList();
            threads.add(new DeadlockedThread(edge.waiter().getName(), isVirtual(edge.waiter()), held, methods,
                    names.get(edge.lock())));
        }
        return List.copyOf(threads);
    }

    private static boolean isVirtual(Thread thread) {
        // Thread.isVirtual() is Java 21+, and this compiles for 17: ask by the JDK's own class names.
        String type = thread.getClass().getName();
        return type.equals("java.lang.VirtualThread") || type.equals("java.lang.ThreadBuilders$BoundVirtualThread");
    }

    private static String message(List<DeadlockedThread> cycle) {
        StringBuilder message = new StringBuilder("Deadlock: ").append(cycle.size())
                .append(" threads wait for IronFence locks held by each other, and will wait forever (or until "
                        + "their timeouts):");
        for (DeadlockedThread thread : cycle) {
            message.append("\n  ").append(thread.virtual() ? "virtual thread '" : "thread '").append(thread.thread())
                    .append("' holds ").append(thread.holds())
                    .append(thread.methods().isEmpty() ? "" : " (in " + String.join(", ", thread.methods()) + ")")
                    .append(" and waits for '").append(thread.waitsFor()).append("'");
        }
        return message.append("\nTake the locks in one order everywhere, or give the waits a timeout.").toString();
    }
}
