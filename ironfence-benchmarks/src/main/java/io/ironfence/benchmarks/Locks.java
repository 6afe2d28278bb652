package io.ironfence.benchmarks;

import io.ironfence.Mutex;
import io.ironfence.MutexGuard;
import io.ironfence.RWLock;
import io.ironfence.ReadGuard;
import io.ironfence.WriteGuard;

import java.util.concurrent.locks.ReentrantLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.concurrent.locks.StampedLock;

/**
 * The implementations the contended benchmarks compare, behind one small interface. Each JMH fork
 * creates exactly one of them, so the interface call is monomorphic and inlined.
 */
final class Locks {

    private Locks() {
    }

    /** An exclusive lock around a critical section that increments a counter. */
    interface ExclusiveSection {
        long run();
    }

    /** A read-write lock: a read section and a write section over one counter. */
    interface ReadWriteSection {
        long read();

        long write();
    }

    static ExclusiveSection exclusive(String impl) {
        switch (impl) {
            case "ironfence": {
                Mutex<long[]> mutex = new Mutex<>(new long[1]);
                return () -> {
                    try (MutexGuard<long[]> g = mutex.lock()) {
                        return ++g.get()[0];
                    }
                };
            }
            case "reentrant":
            case "reentrant-fair": {
                ReentrantLock lock = new ReentrantLock(impl.equals("reentrant-fair"));
                long[] counter = new long[1];
                return () -> {
                    lock.lock();
                    try {
                        return ++counter[0];
                    } finally {
                        lock.unlock();
                    }
                };
            }
            case "synchronized": {
                Object monitor = new Object();
                long[] counter = new long[1];
                return () -> {
                    synchronized (monitor) {
                        return ++counter[0];
                    }
                };
            }
            default:
                throw new IllegalArgumentException("Unknown exclusive lock: " + impl);
        }
    }

    static ReadWriteSection readWrite(String impl) {
        switch (impl) {
            case "ironfence": {
                RWLock<long[]> lock = new RWLock<>(new long[1]);
                return new ReadWriteSection() {
                    @Override
                    public long read() {
                        try (ReadGuard<long[]> g = lock.read()) {
                            return g.get()[0];
                        }
                    }

                    @Override
                    public long write() {
                        try (WriteGuard<long[]> g = lock.write()) {
                            return ++g.get()[0];
                        }
                    }
                };
            }
            case "reentrant": {
                ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
                long[] counter = new long[1];
                return new ReadWriteSection() {
                    @Override
                    public long read() {
                        lock.readLock().lock();
                        try {
                            return counter[0];
                        } finally {
                            lock.readLock().unlock();
                        }
                    }

                    @Override
                    public long write() {
                        lock.writeLock().lock();
                        try {
                            return ++counter[0];
                        } finally {
                            lock.writeLock().unlock();
                        }
                    }
                };
            }
            case "stamped": {
                StampedLock lock = new StampedLock();
                long[] counter = new long[1];
                return new ReadWriteSection() {
                    @Override
                    public long read() {
                        long stamp = lock.readLock();
                        try {
                            return counter[0];
                        } finally {
                            lock.unlockRead(stamp);
                        }
                    }

                    @Override
                    public long write() {
                        long stamp = lock.writeLock();
                        try {
                            return ++counter[0];
                        } finally {
                            lock.unlockWrite(stamp);
                        }
                    }
                };
            }
            default:
                throw new IllegalArgumentException("Unknown read-write lock: " + impl);
        }
    }
}
