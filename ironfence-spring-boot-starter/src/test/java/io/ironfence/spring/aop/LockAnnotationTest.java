package io.ironfence.spring.aop;

import io.ironfence.LockInterruptedException;
import io.ironfence.LockTimeoutException;
import io.ironfence.Mutex;
import io.ironfence.MutexGuard;
import io.ironfence.RWLock;
import io.ironfence.WriteGuard;
import io.ironfence.annotation.ReadLocked;
import io.ironfence.annotation.WithLock;
import io.ironfence.spring.KeyedLocks;
import io.ironfence.spring.NamedLockRegistry;
import io.ironfence.spring.boot.autoconfigure.IronFenceAutoConfiguration;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.aop.support.AopUtils;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/** Blocking methods under {@code @WithLock} / {@code @ReadLocked}, in a real application context. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class LockAnnotationTest {

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(IronFenceAutoConfiguration.class))
            .withUserConfiguration(Services.class)
            .withPropertyValues("ironfence.locks.catalogue.type=rwlock", "ironfence.locks.slow-default.timeout=50ms",
                    "test.timeout=40ms");

    // ------------------------------------------------------------------ services

    /** Shared state with no synchronization of its own: a broken lock shows up as a lost update. */
    public static class Tally {
        long value;
        final AtomicInteger inside = new AtomicInteger();
        final AtomicInteger maxInside = new AtomicInteger();

        void add() {
            int now = inside.incrementAndGet();
            maxInside.accumulateAndGet(now, Math::max);
            long read = value;
            Thread.yield(); // widen the race a missing lock would lose
            value = read + 1;
            inside.decrementAndGet();
        }
    }

    public static class Deposits {
        final Tally tally;

        Deposits(Tally tally) {
            this.tally = tally;
        }

        @WithLock("tally")
        public void deposit() {
            tally.add();
        }
    }

    public static class Withdrawals {
        final Tally tally;

        Withdrawals(Tally tally) {
            this.tally = tally;
        }

        @WithLock("tally")
        public void withdraw() {
            tally.add();
        }
    }

    public static class Catalogue {
        final AtomicInteger readers = new AtomicInteger();
        final AtomicInteger violations = new AtomicInteger();

        @ReadLocked("catalogue")
        public void read(CyclicBarrier together) throws Exception {
            readers.incrementAndGet();
            try {
                together.await(10, TimeUnit.SECONDS); // every reader inside at once, or this breaks
            } finally {
                readers.decrementAndGet();
            }
        }

        @ReadLocked("catalogue")
        public int peek() {
            int inside = readers.incrementAndGet();
            Thread.yield();
            readers.decrementAndGet();
            return inside - 1;
        }

        public int violations() {
            return violations.get();
        }

        @WithLock("catalogue")
        public void restock() {
            if (readers.get() != 0) {
                violations.incrementAndGet();
            }
        }

        @WithLock("catalogue")
        public int restockThenPeek(Catalogue self) {
            return self.peek(); // a read inside the write, through the proxy: passes through
        }
    }

    public static class Accounts {
        final AtomicInteger inside = new AtomicInteger();

        public int inside() {
            return inside.get();
        }

        @WithLock(value = "account", key = "#accountId")
        public void pay(String accountId, CountDownLatch entered, CountDownLatch leave) throws InterruptedException {
            inside.incrementAndGet();
            entered.countDown();
            try {
                leave.await(10, TimeUnit.SECONDS);
            } finally {
                inside.decrementAndGet();
            }
        }

        @WithLock(value = "account", key = "#p0")
        public String touch(Object accountId) {
            return "touched " + accountId;
        }

        @WithLock(value = "account", key = "#root.args[0]", timeout = "30ms")
        public void payQuickly(String accountId) {
        }
    }

    public static class Slow {
        final AtomicInteger runs = new AtomicInteger();

        public int runs() {
            return runs.get();
        }

        @WithLock(value = "slow", timeout = "50ms")
        public void withTimeout() {
            runs.incrementAndGet();
        }

        @WithLock(value = "slow", timeout = "${test.timeout}")
        public void withPlaceholderTimeout() {
            runs.incrementAndGet();
        }

        @WithLock("slow-default")
        public void withConfiguredTimeout() {
            runs.incrementAndGet();
        }

        @WithLock("slow")
        public void waitingWithoutLimit() {
            runs.incrementAndGet();
        }

        @WithLock("slow")
        public void fails(RuntimeException e) {
            throw e;
        }
    }

    public static class Outer {
        final Inner inner;

        Outer(Inner inner) {
            this.inner = inner;
        }

        @WithLock("nested")
        public String exclusiveThenExclusive() {
            return inner.exclusive();
        }

        @WithLock("nested-rw")
        public String writeThenRead() {
            return inner.read();
        }

        @ReadLocked("nested-rw")
        public String readThenWrite() {
            return inner.write();
        }
    }

    public static class Inner {
        @WithLock("nested")
        public String exclusive() {
            return "inner";
        }

        @ReadLocked("nested-rw")
        public String read() {
            return "read";
        }

        @WithLock("nested-rw")
        public String write() {
            return "write";
        }
    }

    @WithLock("typed")
    public static class TypeLevel {
        NamedLockRegistry registry;

        public boolean first() {
            return registry.get("typed").getLock().isLocked();
        }

        public boolean second() {
            return registry.get("typed").getLock().isLocked();
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class Services {
        @Bean
        Tally tally() {
            return new Tally();
        }

        @Bean
        Deposits deposits(Tally tally) {
            return new Deposits(tally);
        }

        @Bean
        Withdrawals withdrawals(Tally tally) {
            return new Withdrawals(tally);
        }

        @Bean
        Catalogue catalogue() {
            return new Catalogue();
        }

        @Bean
        Accounts accounts() {
            return new Accounts();
        }

        @Bean
        Slow slow() {
            return new Slow();
        }

        @Bean
        Inner inner() {
            return new Inner();
        }

        @Bean
        Outer outer(Inner inner) {
            return new Outer(inner);
        }

        @Bean
        TypeLevel typeLevel(NamedLockRegistry registry) {
            TypeLevel bean = new TypeLevel();
            bean.registry = registry;
            return bean;
        }
    }

    // ------------------------------------------------------------------ tests

    @Test
    void methodsOfDifferentBeansUnderOneNameExcludeEachOther() {
        runner.run(context -> {
            Deposits deposits = context.getBean(Deposits.class);
            Withdrawals withdrawals = context.getBean(Withdrawals.class);
            Tally tally = context.getBean(Tally.class);
            int threads = 8;
            int calls = 2_000;
            ExecutorService pool = Executors.newFixedThreadPool(threads);
            try {
                List<Future<?>> done = new ArrayList<>();
                for (int t = 0; t < threads; t++) {
                    boolean deposit = t % 2 == 0;
                    done.add(pool.submit(() -> {
                        for (int i = 0; i < calls; i++) {
                            if (deposit) {
                                deposits.deposit();
                            } else {
                                withdrawals.withdraw();
                            }
                        }
                    }));
                }
                for (Future<?> f : done) {
                    f.get();
                }
            } finally {
                pool.shutdownNow();
            }
            assertThat(tally.value).as("lost updates").isEqualTo((long) threads * calls);
            assertThat(tally.maxInside.get()).isEqualTo(1);
            assertThat(context.getBean(NamedLockRegistry.class).get("tally").getLock().isLocked()).isFalse();
        });
    }

    @Test
    void readersShareTheLockAndWritersExcludeThem() {
        runner.run(context -> {
            Catalogue catalogue = context.getBean(Catalogue.class);
            ExecutorService pool = Executors.newFixedThreadPool(3);
            try {
                CyclicBarrier together = new CyclicBarrier(3);
                List<Future<?>> reads = new ArrayList<>();
                for (int i = 0; i < 3; i++) {
                    reads.add(pool.submit(() -> {
                        catalogue.read(together);
                        return null;
                    }));
                }
                for (Future<?> read : reads) {
                    read.get(); // fails if the readers could not all be inside at once
                }
                List<Future<?>> readers = new ArrayList<>();
                for (int i = 0; i < 2; i++) {
                    readers.add(pool.submit(() -> {
                        for (int n = 0; n < 2_000; n++) {
                            catalogue.peek();
                        }
                    }));
                }
                for (int n = 0; n < 2_000; n++) {
                    catalogue.restock();
                }
                for (Future<?> reader : readers) {
                    reader.get();
                }
            } finally {
                pool.shutdownNow();
            }
            assertThat(catalogue.violations()).as("a writer beside readers").isZero();
            assertThat(context.getBean(NamedLockRegistry.class).getRWLock("catalogue").isLocked()).isFalse();
        });
    }

    @Test
    void differentKeysRunInParallelAndTheSameKeyNever() {
        runner.run(context -> {
            Accounts accounts = context.getBean(Accounts.class);
            KeyedLocks keyed = context.getBean(NamedLockRegistry.class).get("account").getKeyedLocks();
            CountDownLatch leave = new CountDownLatch(1);
            CountDownLatch aEntered = new CountDownLatch(1);
            CountDownLatch bEntered = new CountDownLatch(1);
            CountDownLatch secondAEntered = new CountDownLatch(1);
            ExecutorService pool = Executors.newFixedThreadPool(3);
            try {
                Future<?> a = pool.submit(() -> {
                    accounts.pay("alice", aEntered, leave);
                    return null;
                });
                assertThat(aEntered.await(10, TimeUnit.SECONDS)).isTrue();
                Future<?> b = pool.submit(() -> {
                    accounts.pay("bob", bEntered, leave);
                    return null;
                });
                assertThat(bEntered.await(10, TimeUnit.SECONDS)).as("another key is not blocked").isTrue();
                assertThat(accounts.inside()).isEqualTo(2);

                Future<?> secondA = pool.submit(() -> {
                    accounts.pay(new String("alice"), secondAEntered, leave);
                    return null;
                });
                // The same key (equal, not identical) queues on alice's lock.
                await().atMost(Duration.ofSeconds(10)).until(() -> queueLengthOf(keyed) == 1);
                assertThat(secondAEntered.getCount()).isOne();
                assertThat(accounts.inside()).isEqualTo(2);

                leave.countDown();
                a.get();
                b.get();
                secondA.get();
            } finally {
                pool.shutdownNow();
            }
            assertThat(keyed.size()).as("unused keys are evicted").isZero();
        });
    }

    private static int queueLengthOf(KeyedLocks keyed) {
        int waiting = 0;
        for (var lock : keyed.locks()) {
            waiting += lock.getQueueLength();
        }
        return waiting;
    }

    @Test
    void aMillionKeysDoNotKeepAMillionLocks() {
        runner.run(context -> {
            Accounts accounts = context.getBean(Accounts.class);
            KeyedLocks keyed = context.getBean(NamedLockRegistry.class).get("account").getKeyedLocks();
            for (int i = 0; i < 1_000_000; i++) {
                accounts.touch(i);
            }
            assertThat(keyed.size()).isZero();
        });
    }

    @Test
    void aNullKeyFailsClearlyAndLeavesNothingBehind() {
        runner.run(context -> {
            Accounts accounts = context.getBean(Accounts.class);
            assertThatThrownBy(() -> accounts.touch(null)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("@WithLock(\"account\")").hasMessageContaining("Accounts.touch")
                    .hasMessageContaining("#p0").hasMessageContaining("null");
            assertThat(context.getBean(NamedLockRegistry.class).get("account").getKeyedLocks().size()).isZero();
        });
    }

    @Test
    void aTimedOutWaitDoesNotRunTheMethodAndNamesLockKeyAndTimeout() {
        runner.run(context -> {
            Slow slow = context.getBean(Slow.class);
            NamedLockRegistry registry = context.getBean(NamedLockRegistry.class);
            Mutex<Object> lock = registry.getMutex("slow");
            Mutex<Object> slowDefault = registry.getMutex("slow-default");
            CompletableFuture<MutexGuard<Object>> held = CompletableFuture.supplyAsync(lock::lock);
            MutexGuard<Object> guard = held.get();
            try (MutexGuard<Object> other = slowDefault.lock()) {
                assertThatThrownBy(slow::withTimeout).isInstanceOf(LockTimeoutException.class)
                        .hasMessageContaining("'slow'").hasMessageContaining("after 50ms ");
                assertThatThrownBy(slow::withPlaceholderTimeout).isInstanceOf(LockTimeoutException.class)
                        .hasMessageContaining("after 40ms ");
                // Held by this thread: another thread must wait for it, and times out after the configured 50ms.
                Throwable configured = CompletableFuture.<Throwable>supplyAsync(() -> {
                    try {
                        slow.withConfiguredTimeout();
                        return null;
                    } catch (LockTimeoutException e) {
                        return e;
                    }
                }).get();
                assertThat(configured).isInstanceOf(LockTimeoutException.class).hasMessageContaining("'slow-default'")
                        .hasMessageContaining("after 50ms ");
            } finally {
                guard.close();
            }
            assertThat(slow.runs()).isZero();
            assertThat(lock.getQueueLength()).isZero();
            slow.withTimeout();
            assertThat(slow.runs()).isOne();
        });
    }

    @Test
    void aTimedOutKeyedWaitNamesTheKey() {
        runner.run(context -> {
            Accounts accounts = context.getBean(Accounts.class);
            CountDownLatch entered = new CountDownLatch(1);
            CountDownLatch leave = new CountDownLatch(1);
            CompletableFuture<Void> holder = CompletableFuture.runAsync(() -> {
                try {
                    accounts.pay("carol", entered, leave);
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            });
            assertThat(entered.await(10, TimeUnit.SECONDS)).isTrue();
            LockTimeoutException timeout = org.junit.jupiter.api.Assertions.assertThrows(LockTimeoutException.class,
                    () -> accounts.payQuickly("carol"));
            assertThat(timeout).hasMessageContaining("'account'").hasMessageContaining("carol");
            assertThat(timeout.getKey()).isEqualTo("carol");
            leave.countDown();
            holder.get();
            assertThat(context.getBean(NamedLockRegistry.class).get("account").getKeyedLocks().size()).isZero();
        });
    }

    @Test
    void anInterruptedWaitRestoresTheFlagAndThrowsLockInterruptedException() {
        runner.run(context -> {
            Slow slow = context.getBean(Slow.class);
            Mutex<Object> lock = context.getBean(NamedLockRegistry.class).getMutex("slow");
            try (MutexGuard<Object> held = lock.lock()) {
                CompletableFuture<Throwable> failure = new CompletableFuture<>();
                CompletableFuture<Boolean> interruptedAfterwards = new CompletableFuture<>();
                Thread caller = new Thread(() -> {
                    try {
                        slow.waitingWithoutLimit();
                        failure.complete(null);
                    } catch (Throwable e) {
                        failure.complete(e);
                    }
                    interruptedAfterwards.complete(Thread.currentThread().isInterrupted());
                });
                caller.start();
                await().atMost(Duration.ofSeconds(10)).until(() -> lock.getQueueLength() == 1);
                caller.interrupt();
                assertThat(failure.get()).isInstanceOf(LockInterruptedException.class).hasMessageContaining("'slow'");
                assertThat(interruptedAfterwards.get()).isTrue();
                assertThat(lock.getQueueLength()).isZero();
            }
            assertThat(slow.runs()).isZero();
        });
    }

    @Test
    void exceptionsPropagateUnchangedAndReleaseTheLock() {
        runner.run(context -> {
            Slow slow = context.getBean(Slow.class);
            IllegalStateException thrown = new IllegalStateException("out of stock");
            assertThatThrownBy(() -> slow.fails(thrown)).isSameAs(thrown);
            assertThat(context.getBean(NamedLockRegistry.class).getMutex("slow").isLocked()).isFalse();
        });
    }

    @Test
    void nestedCallsInACompatibleModePassThrough() {
        runner.run(context -> {
            Outer outer = context.getBean(Outer.class);
            assertThat(outer.exclusiveThenExclusive()).isEqualTo("inner");
            assertThat(outer.writeThenRead()).isEqualTo("read");
            Catalogue catalogue = context.getBean(Catalogue.class);
            assertThat(catalogue.restockThenPeek(catalogue)).isZero();
            NamedLockRegistry registry = context.getBean(NamedLockRegistry.class);
            assertThat(registry.get("nested").getLock().isLocked()).isFalse();
            assertThat(registry.get("nested-rw").getLock().isLocked()).isFalse();
        });
    }

    @Test
    void aCallWhileTheThreadHoldsTheLockInItsOwnCodePassesThrough() {
        runner.run(context -> {
            Inner inner = context.getBean(Inner.class);
            RWLock<Object> rw = context.getBean(NamedLockRegistry.class).getRWLock("nested-rw");
            try (WriteGuard<Object> w = rw.write()) {
                assertThat(inner.write()).isEqualTo("write");
                assertThat(inner.read()).isEqualTo("read");
            }
            assertThat(rw.isLocked()).isFalse();
        });
    }

    @Test
    void aReadToWriteUpgradeFailsAtOnce() {
        runner.run(context -> {
            Outer outer = context.getBean(Outer.class);
            assertThatThrownBy(outer::readThenWrite).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("@WithLock(\"nested-rw\")").hasMessageContaining("Inner.write")
                    .hasMessageContaining("read lock").hasMessageContaining("Upgrading");
            assertThat(context.getBean(NamedLockRegistry.class).get("nested-rw").getLock().isLocked()).isFalse();
        });
    }

    @Test
    void anAnnotationOnTheTypeLocksEveryPublicMethod() {
        runner.run(context -> {
            TypeLevel bean = context.getBean(TypeLevel.class);
            assertThat(AopUtils.isCglibProxy(bean)).isTrue();
            assertThat(bean.first()).isTrue();
            assertThat(bean.second()).isTrue();
            assertThat(bean.toString()).isNotEmpty(); // Object's methods are not locked
        });
    }
}
