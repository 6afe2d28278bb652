package io.ironfence.spring.aop;

import org.jspecify.annotations.Nullable;

import java.util.Arrays;

/**
 * The locks that annotated methods on the current thread hold, innermost last, so a nested call
 * for a lock already held in a compatible mode passes through instead of deadlocking, and so the
 * method can find its guard ({@link ClusterHolds}). Identity is the lock object itself (for keyed
 * locks, the key's lock, which stays the same while held); for a cluster lock, its name and key.
 * <p>
 * The body of an asynchronous method runs on whichever thread granted its lock, which may be in
 * the middle of annotated methods of its own; it runs {@link #isolated} so that it neither sees nor
 * disturbs that thread's holds.
 */
final class HeldLocks {

    static final int NONE = 0;
    static final int SHARED = 1;
    static final int EXCLUSIVE = 2;

    private static final ThreadLocal<HeldLocks> CURRENT = ThreadLocal.withInitial(HeldLocks::new);

    // Two parallel arrays, not one per field: a hold is two reference stores to push and two to
    // pop, each with the collector's write barrier, on every annotated call.
    private Acquisition[] acquisitions = new Acquisition[4];
    private Object[] guards = new Object[4];
    private int size;

    static HeldLocks current() {
        return CURRENT.get();
    }

    /** @return {@link #NONE}, {@link #SHARED} or {@link #EXCLUSIVE}: the strongest hold of the lock */
    int modeOf(Object lock) {
        int mode = NONE;
        for (int i = 0; i < size; i++) {
            Object held = acquisitions[i].lockIdentity();
            if (held == lock || held.equals(lock)) {
                if (!acquisitions[i].shared()) {
                    return EXCLUSIVE;
                }
                mode = SHARED;
            }
        }
        return mode;
    }

    /** Records a hold taken by the acquisition, through the guard, innermost. */
    void push(Acquisition acquisition, Object guard) {
        if (size == acquisitions.length) {
            acquisitions = Arrays.copyOf(acquisitions, size * 2);
            guards = Arrays.copyOf(guards, size * 2);
        }
        acquisitions[size] = acquisition;
        guards[size] = guard;
        size++;
    }

    void pop() {
        size--;
        acquisitions[size] = null;
        guards[size] = null;
    }

    /** @return how many holds the thread has (a lock held twice through pass-through counts once) */
    int size() {
        return size;
    }

    String nameAt(int index) {
        return acquisitions[index].lockName();
    }

    /** @return the annotated method that took the hold at this index */
    String methodAt(int index) {
        return acquisitions[index].description();
    }

    /** @return the guard of the innermost hold of the named lock, or null */
    @Nullable Object guardOf(String name) {
        for (int i = size - 1; i >= 0; i--) {
            if (acquisitions[i].lockName().equals(name)) {
                return guards[i];
            }
        }
        return null;
    }

    /** Runs the body with no holds visible, then restores the thread's own. */
    static <T> T isolated(ThrowingSupplier<T> body) throws Throwable {
        HeldLocks saved = CURRENT.get();
        if (saved.size == 0) {
            return body.get();
        }
        CURRENT.set(new HeldLocks());
        try {
            return body.get();
        } finally {
            CURRENT.set(saved);
        }
    }

    @FunctionalInterface
    interface ThrowingSupplier<T> {
        T get() throws Throwable;
    }
}
