package io.ironfence.spring;

import io.ironfence.Mutex;
import io.ironfence.ObservableLock;
import io.ironfence.RWLock;

import org.jspecify.annotations.Nullable;

/** The two kinds of named lock: {@code ironfence.locks.<name>.type}. */
public enum LockType {

    /** A {@link Mutex}: exclusive only. */
    MUTEX,

    /** An {@link RWLock}: shared reads, exclusive writes. */
    RWLOCK;

    /**
     * @param lock a Mutex or an RWLock
     * @return its type
     * @throws IllegalArgumentException for any other lock
     */
    public static LockType of(ObservableLock lock) {
        if (lock instanceof Mutex<?>) {
            return MUTEX;
        }
        if (lock instanceof RWLock<?>) {
            return RWLOCK;
        }
        throw new IllegalArgumentException("Not an IronFence Mutex or RWLock: " + lock);
    }

    /**
     * @param beanType the type of a bean (may be null when it cannot be predicted)
     * @return the kind of lock a bean of that type is, or null if it is no IronFence lock
     */
    public static @Nullable LockType ofBeanType(@Nullable Class<?> beanType) {
        return beanType == null ? null : Mutex.class.isAssignableFrom(beanType) ? MUTEX
                : RWLock.class.isAssignableFrom(beanType) ? RWLOCK : null;
    }

    /** @return the class of a lock of this type, for a bean definition */
    public Class<?> lockClass() {
        return this == MUTEX ? Mutex.class : RWLock.class;
    }

    /** @return the type as written in properties and shown by the actuator endpoint */
    public String id() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }

    /** Creates a new, unguarded lock of this type (the value is null: the lock guards code, not data). */
    ObservableLock create(String name) {
        return this == MUTEX ? Mutex.named(name, null) : RWLock.named(name, null);
    }
}
