package io.ironfence;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Many threads mix every kind of acquisition on one lock (blocking, interruptible, try, timed,
 * async, async then cancelled, continuation-style async) while another thread interrupts them at
 * random. Invariants: never two writers, never a reader beside a writer, no lost update, every
 * request ends (acquired, timed out, cancelled or interrupted), and the lock is free at the end.
 */
@Tag("slow") // left out of the fast local loop: ./mvnw verify -DexcludedGroups=slow
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class MixedContentionStressTest {

    private static final int THREADS = 6;
    private static final int OPS_PER_THREAD = 40_000;

    /** The guarded state: plain fields, so a broken lock shows up as a lost update. */
    static final class Counters {
        long writes;
    }

    private final AtomicInteger writersInside = new AtomicInteger();
    private final AtomicInteger readersInside = new AtomicInteger();
    private final AtomicInteger violations = new AtomicInteger();
    private final AtomicLong acquired = new AtomicLong();
    private final AtomicLong gaveUp = new AtomicLong();
    private final AtomicLong requested = new AtomicLong();
    private final ConcurrentLinkedQueue<CompletableFuture<?>> pending = new ConcurrentLinkedQueue<>();

    @Test
    void mutexUnderEveryKindOfAcquisition() throws Exception {
        Mutex<Counters> mu = Mutex.named("stress", new Counters());
        run(mu, null);
        try (MutexGuard<Counters> g = mu.lock()) {
            assertThat(g.get().writes).as("lost updates").isEqualTo(acquired.get());
        }
        assertThat(mu.isLocked()).isFalse();
        assertThat(mu.getQueueLength()).isZero();
    }

    @Test
    void rwLockUnderEveryKindOfAcquisition() throws Exception {
        RWLock<Counters> rw = RWLock.named("stress", new Counters());
        AtomicLong writes = new AtomicLong();
        run(null, new RwTarget(rw, writes));
        try (ReadGuard<Counters> g = rw.read()) {
            assertThat(g.get().writes).as("lost updates").isEqualTo(writes.get());
        }
        assertThat(rw.isLocked()).isFalse();
        assertThat(rw.getQueueLength()).isZero();
    }

    private record RwTarget(RWLock<Counters> lock, AtomicLong writes) {
    }

    private void run(Mutex<Counters> mu, RwTarget rw) throws Exception {
        AtomicBoolean done = new AtomicBoolean();
        List<Thread> workers = new ArrayList<>();
        CyclicBarrier start = new CyclicBarrier(THREADS + 1);
        List<Throwable> failures = new java.util.concurrent.CopyOnWriteArrayList<>();
        for (int t = 0; t < THREADS; t++) {
            Thread worker = new Thread(() -> {
                try {
                    start.await();
                    for (int i = 0; i < OPS_PER_THREAD; i++) {
                        if (mu != null) {
                            mutexOp(mu);
                        } else {
                            rwOp(rw);
                        }
                        Thread.interrupted(); // an interrupt aimed at one op must not leak into the next
                    }
                } catch (Throwable e) {
                    failures.add(e);
                }
            }, "stress-" + t);
            worker.start();
            workers.add(worker);
        }
        Thread interrupter = new Thread(() -> {
            while (!done.get()) {
                workers.get(ThreadLocalRandom.current().nextInt(THREADS)).interrupt();
                Thread.onSpinWait();
                for (int spin = ThreadLocalRandom.current().nextInt(20_000); spin > 0; spin--) {
                    Thread.onSpinWait();
                }
            }
        }, "interrupter");
        start.await();
        interrupter.start();
        for (Thread w : workers) {
            w.join();
        }
        done.set(true);
        interrupter.join();
        for (CompletableFuture<?> f : pending) {
            f.handle((v, e) -> null).get(30, TimeUnit.SECONDS);
        }
        assertThat(failures).isEmpty();
        assertThat(violations.get()).as("mutual exclusion violations").isZero();
        assertThat(acquired.get() + gaveUp.get()).as("every request ends exactly once").isEqualTo(requested.get());
        assertThat(acquired.get()).isPositive();
    }

    // ------------------------------------------------------------------ mutex

    private void mutexOp(Mutex<Counters> mu) throws Exception {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        requested.incrementAndGet();
        switch (random.nextInt(7)) {
            case 0 -> exclusive(mu.lock());
            case 1 -> {
                try {
                    exclusive(mu.lockInterruptibly());
                } catch (InterruptedException e) {
                    gaveUp.incrementAndGet();
                }
            }
            case 2 -> exclusiveOrGiveUp(mu.tryLock());
            case 3 -> {
                try {
                    exclusiveOrGiveUp(mu.tryLock(Duration.ofNanos(random.nextInt(200_000))));
                } catch (InterruptedException e) {
                    gaveUp.incrementAndGet();
                }
            }
            case 4 -> exclusive(mu.lockAsync().join());
            case 5 -> {
                CompletableFuture<MutexGuard<Counters>> f = mu.lockAsync();
                if (f.cancel(false)) {
                    gaveUp.incrementAndGet();
                } else {
                    exclusive(f.join());
                }
            }
            default -> pending.add(mu.lockAsync().thenAccept(this::exclusive));
        }
    }

    private void exclusiveOrGiveUp(Optional<? extends Guard<Counters>> guard) {
        if (guard.isPresent()) {
            exclusive(guard.get());
        } else {
            gaveUp.incrementAndGet();
        }
    }

    private void exclusive(Guard<Counters> g) {
        try (g) {
            if (writersInside.incrementAndGet() != 1 || readersInside.get() != 0) {
                violations.incrementAndGet();
            }
            g.get().writes++;
            acquired.incrementAndGet();
            writersInside.decrementAndGet();
        }
    }

    // ------------------------------------------------------------------ rwlock

    private void rwOp(RwTarget target) throws Exception {
        RWLock<Counters> rw = target.lock();
        ThreadLocalRandom random = ThreadLocalRandom.current();
        requested.incrementAndGet();
        boolean write = random.nextInt(4) == 0;
        switch (random.nextInt(7)) {
            case 0 -> hold(target, write ? rw.write() : rw.read());
            case 1 -> {
                try {
                    hold(target, write ? rw.writeInterruptibly() : rw.readInterruptibly());
                } catch (InterruptedException e) {
                    gaveUp.incrementAndGet();
                }
            }
            case 2 -> holdOrGiveUp(target, write ? rw.tryWrite() : rw.tryRead());
            case 3 -> {
                Duration timeout = Duration.ofNanos(random.nextInt(200_000));
                try {
                    holdOrGiveUp(target, write ? rw.tryWrite(timeout) : rw.tryRead(timeout));
                } catch (InterruptedException e) {
                    gaveUp.incrementAndGet();
                }
            }
            case 4 -> hold(target, write ? rw.writeAsync().join() : rw.readAsync().join());
            case 5 -> {
                CompletableFuture<? extends Guard<Counters>> f = write ? rw.writeAsync() : rw.readAsync();
                if (f.cancel(false)) {
                    gaveUp.incrementAndGet();
                } else {
                    hold(target, f.join());
                }
            }
            default -> {
                if (write && random.nextBoolean()) {
                    // write, then downgrade and keep reading
                    pending.add(rw.writeAsync().thenAccept(g -> {
                        writeSection(target, g);
                        try (ReadGuard<Counters> r = g.downgrade()) {
                            readSection(r, false); // the same request as the write: counted once
                        }
                    }));
                } else {
                    pending.add((write ? rw.writeAsync() : rw.readAsync()).thenAccept(g -> hold(target, g)));
                }
            }
        }
    }

    private void holdOrGiveUp(RwTarget target, Optional<? extends Guard<Counters>> guard) {
        if (guard.isPresent()) {
            hold(target, guard.get());
        } else {
            gaveUp.incrementAndGet();
        }
    }

    private void hold(RwTarget target, Guard<Counters> g) {
        if (g instanceof WriteGuard<Counters> w) {
            writeSection(target, w);
            w.close();
        } else {
            try (g) {
                readSection(g, true);
            }
        }
    }

    private void writeSection(RwTarget target, WriteGuard<Counters> g) {
        if (writersInside.incrementAndGet() != 1 || readersInside.get() != 0) {
            violations.incrementAndGet();
        }
        g.get().writes++;
        target.writes().incrementAndGet();
        acquired.incrementAndGet();
        writersInside.decrementAndGet();
    }

    private void readSection(Guard<Counters> g, boolean newRequest) {
        readersInside.incrementAndGet();
        if (writersInside.get() != 0) {
            violations.incrementAndGet();
        }
        long seen = g.get().writes;
        if (seen < 0) {
            violations.incrementAndGet();
        }
        if (newRequest) {
            acquired.incrementAndGet();
        }
        readersInside.decrementAndGet();
    }
}
