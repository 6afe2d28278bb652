package io.ironfence.spring.aop;

/**
 * The locks that annotated methods on the current thread hold, innermost last, so a nested call
 * for a lock already held in a compatible mode passes through instead of deadlocking. Identity is
 * the lock object itself (for keyed locks, the key's lock, which stays the same while held).
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

    private Object[] locks = new Object[4];
    private boolean[] shared = new boolean[4];
    private int size;

    static HeldLocks current() {
        return CURRENT.get();
    }

    /** @return {@link #NONE}, {@link #SHARED} or {@link #EXCLUSIVE}: the strongest hold of the lock */
    int modeOf(Object lock) {
        int mode = NONE;
        for (int i = 0; i < size; i++) {
            if (locks[i] == lock) {
                if (!shared[i]) {
                    return EXCLUSIVE;
                }
                mode = SHARED;
            }
        }
        return mode;
    }

    void push(Object lock, boolean isShared) {
        if (size == locks.length) {
            locks = java.util.Arrays.copyOf(locks, size * 2);
            shared = java.util.Arrays.copyOf(shared, size * 2);
        }
        locks[size] = lock;
        shared[size] = isShared;
        size++;
    }

    void pop() {
        locks[--size] = null;
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
