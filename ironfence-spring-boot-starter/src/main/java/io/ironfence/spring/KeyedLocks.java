package io.ironfence.spring;

import io.ironfence.ObservableLock;

import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * One lock per live key of a named lock: keys are compared with {@code equals}, each has a lock
 * of its own (never a stripe shared with unrelated keys), and a key's lock is dropped as soon as
 * nobody holds or waits for it, so memory follows the keys in use, not the keys ever seen.
 * <p>
 * A caller {@link #retain retains} the key's entry before it waits and {@link #release releases}
 * it after it has closed its guard, or given up. The count of users lives in the entry and is only
 * touched inside {@link ConcurrentHashMap#compute}, which runs under the map's lock for that key:
 * a retain either finds the entry before its last release removed it, or creates a new one. Two
 * callers of one key can therefore never end up with different locks.
 */
public final class KeyedLocks {

    private final ConcurrentHashMap<Object, Entry> live = new ConcurrentHashMap<>();
    private final Function<Object, ObservableLock> factory;

    KeyedLocks(Function<Object, ObservableLock> factory) {
        this.factory = factory;
    }

    /** A key's lock and the number of callers that hold or wait for it. */
    public static final class Entry {

        private final ObservableLock lock;
        /** Guarded by the map's lock for this key (only read and written inside compute). */
        private int users;

        Entry(ObservableLock lock) {
            this.lock = lock;
        }

        /** @return the key's lock */
        public ObservableLock lock() {
            return lock;
        }
    }

    /**
     * Counts the caller as a user of the key's lock, creating it if the key has none.
     *
     * @param key a non-null key
     * @return the entry to pass to {@link #release}
     */
    public Entry retain(Object key) {
        return live.compute(key, (k, e) -> {
            Entry entry = e != null ? e : new Entry(factory.apply(k));
            entry.users++;
            return entry;
        });
    }

    /**
     * Ends a use begun by {@link #retain}; the last user's release drops the key's lock.
     *
     * @param key   the key given to retain
     * @param entry the entry retain returned
     */
    public void release(Object key, Entry entry) {
        live.computeIfPresent(key, (k, e) -> {
            if (e != entry) {
                throw new IllegalStateException("Keyed lock entry released twice for key " + k);
            }
            return --e.users == 0 ? null : e;
        });
    }

    /** @return the number of keys whose lock is held or waited for now */
    public int size() {
        return live.size();
    }

    /** @return the locks of the live keys now (a weakly consistent view, for monitoring) */
    public Iterable<ObservableLock> locks() {
        return () -> locksStream().iterator();
    }

    java.util.stream.Stream<ObservableLock> locksStream() {
        return live.values().stream().map(Entry::lock);
    }
}
