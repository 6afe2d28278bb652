package io.ironfence.spring.aop;

import io.ironfence.LockOrderException;
import io.ironfence.spring.LockOrderPolicy;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Lock order by name, checked before it deadlocks (the Linux kernel's lockdep, with the lock name
 * as the lock class; Guava's {@code CycleDetectingLockFactory} keeps such a graph per lock): every
 * time an annotated method takes lock B while its thread holds A, the edge A → B is remembered
 * with the methods that took each. An acquisition whose new edge closes a cycle (B → ... → A was
 * seen before) could deadlock against a thread taking the other order; it is logged at WARN, once
 * per pair of names, or refused with {@link LockOrderException} before it waits.
 * <p>
 * A thread that holds nothing pays one size check; a known edge costs one map look-up per held
 * lock; only a new edge searches the graph, and the graph only grows by pairs of names actually
 * nested in the application.
 */
final class LockOrderChecker {

    private static final Log logger = LogFactory.getLog(LockOrderChecker.class);

    /** Where an edge was first seen: the methods that held the first lock and took the second. */
    private record Edge(String heldBy, String takenBy) {
    }

    private final LockOrderPolicy policy;
    /** after.get(a).get(b): b was taken while a was held. */
    private final Map<String, Map<String, Edge>> after = new ConcurrentHashMap<>();
    private final Set<String> warned = ConcurrentHashMap.newKeySet();

    LockOrderChecker(LockOrderPolicy policy) {
        this.policy = policy;
    }

    boolean isOff() {
        return policy == LockOrderPolicy.OFF;
    }

    /**
     * Checks taking {@code name} (by {@code method}) while the thread holds {@code held}.
     *
     * @throws LockOrderException with {@link LockOrderPolicy#THROW}, if the order can deadlock
     */
    void check(HeldLocks held, String name, String method) {
        for (int i = 0; i < held.size(); i++) {
            String holding = held.nameAt(i);
            if (holding.equals(name)) {
                continue; // the same name again: a pass-through, or another key of a keyed name
            }
            Map<String, Edge> next = after.get(holding);
            if (next != null && next.containsKey(name)) {
                continue; // seen before, and it closed no cycle then
            }
            Edge edge = new Edge(held.methodAt(i), method);
            String reverse = pathBack(name, holding);
            if (reverse != null) {
                String message = "Locks '" + holding + "' and '" + name + "' are taken in both orders, which can "
                        + "deadlock: now '" + name + "' by " + method + " while holding '" + holding + "' (taken by "
                        + edge.heldBy() + "); before, " + reverse + ". Take them in one order everywhere"
                        + (policy == LockOrderPolicy.WARN ? " (ironfence.lock-order=throw refuses the second order)." : ".");
                if (policy == LockOrderPolicy.THROW) {
                    throw new LockOrderException(message);
                }
                if (warned.add(pairKey(holding, name))) {
                    logger.warn(message);
                }
            }
            after.computeIfAbsent(holding, key -> new ConcurrentHashMap<>()).putIfAbsent(name, edge);
        }
    }

    /** @return how {@code to} was reached from {@code from} through remembered edges, described; or null */
    private @Nullable String pathBack(String from, String to) {
        Deque<String> pending = new ArrayDeque<>();
        Map<String, String> reachedBy = new java.util.HashMap<>();
        Set<String> seen = new HashSet<>();
        pending.add(from);
        seen.add(from);
        while (!pending.isEmpty()) {
            String at = pending.poll();
            for (Map.Entry<String, Edge> step : after.getOrDefault(at, Map.of()).entrySet()) {
                String next = step.getKey();
                String described = "'" + next + "' was taken by " + step.getValue().takenBy() + " while holding '" + at
                        + "' (taken by " + step.getValue().heldBy() + ")";
                if (next.equals(to)) {
                    String before = reachedBy.get(at);
                    return before != null ? before + ", then " + described : described;
                }
                if (seen.add(next)) {
                    String before = reachedBy.get(at);
                    reachedBy.put(next, before != null ? before + ", then " + described : described);
                    pending.add(next);
                }
            }
        }
        return null;
    }

    private static String pairKey(String a, String b) {
        return a.compareTo(b) < 0 ? a + '\u0000' + b : b + '\u0000' + a;
    }
}
