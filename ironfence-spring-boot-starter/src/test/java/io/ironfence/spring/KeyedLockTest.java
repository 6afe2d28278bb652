package io.ironfence.spring;

import io.ironfence.Guard;
import io.ironfence.LockTimeoutException;
import io.ironfence.Mutex;
import io.ironfence.annotation.ReadLocked;
import io.ironfence.annotation.WithLock;
import io.ironfence.spring.boot.autoconfigure.IronFenceAutoConfiguration;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static io.ironfence.spring.StartupFailures.messages;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** One name is either keyed or a single lock; a keyed name's bean locks the annotations' per-key locks. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class KeyedLockTest {

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(IronFenceAutoConfiguration.class));

    public static class Accounts {
        final AtomicInteger inside = new AtomicInteger();
        final AtomicInteger overlaps = new AtomicInteger();

        @WithLock(value = "account", key = "#id", timeout = "50ms")
        public void pay(String id) {
            enter();
        }

        @ReadLocked(value = "account", key = "#id", timeout = "50ms")
        public void balance(String id) {
        }

        public int overlaps() {
            return overlaps.get();
        }

        public void enter() {
            if (inside.incrementAndGet() > 1) {
                overlaps.incrementAndGet();
            }
            for (int spin = 0; spin < 100; spin++) {
                Thread.onSpinWait(); // widen the window in which a second holder would be seen
            }
            inside.decrementAndGet();
        }
    }

    public static class Audit {
        @WithLock("account")
        public void audit() {
        }
    }

    public static class KeyedAudit {
        @WithLock(value = "ledger", key = "#day")
        public void close(int day) {
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class LedgerBean {
        @Bean
        Mutex<long[]> ledger() {
            return new Mutex<>(new long[1]);
        }
    }

    @Test
    void aNameUsedWithAndWithoutAKeyFailsTheStartUpNamingBoth() {
        runner.withBean(Accounts.class).withBean(Audit.class).run(context -> assertThat(messages(context))
                .contains("Lock 'account' is used with a key by @WithLock(\"account\") on " + Accounts.class.getName()
                        + ".pay(..)")
                .contains("without one by @WithLock(\"account\") on " + Audit.class.getName() + ".audit(..)")
                .contains("never wait for each other"));
    }

    @Test
    void aKeyedAnnotationOnADeclaredSingleLockFailsTheStartUp() {
        runner.withBean(Accounts.class).withPropertyValues("ironfence.locks.account.type=rwlock")
                .run(context -> assertThat(messages(context)).contains(Accounts.class.getName())
                        .contains("lock 'account' is a single lock (ironfence.locks.account)")
                        .contains("ironfence.locks.account.keyed=true"));
    }

    @Test
    void anUnkeyedAnnotationOnADeclaredKeyedLockFailsTheStartUp() {
        runner.withBean(Audit.class).withPropertyValues("ironfence.locks.account.keyed=true")
                .run(context -> assertThat(messages(context)).contains(Audit.class.getName() + ".audit(..) has no key")
                        .contains("ironfence.locks.account.keyed=true"));
    }

    @Test
    void aKeyedAnnotationOnTheApplicationsOwnLockBeanFailsTheStartUp() {
        runner.withUserConfiguration(LedgerBean.class).withBean(KeyedAudit.class)
                .run(context -> assertThat(messages(context)).contains(KeyedAudit.class.getName() + ".close(..)")
                        .contains("is a single lock (bean 'ledger')"));
    }

    public static class InjectsKeyedLock {
        final KeyedLock accounts;

        InjectsKeyedLock(@Qualifier("account") KeyedLock accounts) {
            this.accounts = accounts;
        }
    }

    @Test
    void aDeclaredKeyedLockIsABeanThatLocksTheAnnotationsPerKeyLocks() {
        runner.withBean(Accounts.class).withBean(InjectsKeyedLock.class)
                .withPropertyValues("ironfence.locks.account.type=rwlock", "ironfence.locks.account.keyed=true")
                .run(context -> {
                    KeyedLock accounts = context.getBean(InjectsKeyedLock.class).accounts;
                    NamedLockRegistry registry = context.getBean(NamedLockRegistry.class);
                    assertThat(accounts).isSameAs(registry.getKeyed("account"));
                    assertThat(accounts.getType()).isEqualTo(LockType.RWLOCK);
                    Accounts service = context.getBean(Accounts.class);
                    try (Guard<Void> held = accounts.lockAsync("alice").join()) {
                        assertThatThrownBy(() -> service.pay("alice")).isInstanceOf(LockTimeoutException.class);
                        assertThatThrownBy(() -> service.balance("alice")).isInstanceOf(LockTimeoutException.class);
                        service.pay("bob"); // another key
                        assertThat(held.get()).isNull();
                    }
                    try (Guard<Void> reading = accounts.readAsync("alice").join()) {
                        service.balance("alice"); // readers share
                        assertThatThrownBy(() -> service.pay("alice")).isInstanceOf(LockTimeoutException.class);
                    }
                    service.pay("alice");
                    assertThat(accounts.getLiveKeyCount()).isZero();
                    assertThatThrownBy(() -> registry.getRWLock("account")).isInstanceOf(IllegalStateException.class)
                            .hasMessageContaining("is keyed");
                });
    }

    @Test
    void annotatedAndProgrammaticCallersOfOneKeyExcludeEachOther() throws Exception {
        ExecutorService callers = Executors.newFixedThreadPool(4);
        try {
            runner.withBean(Accounts.class).withPropertyValues("ironfence.locks.account.type=rwlock",
                    "ironfence.locks.account.keyed=true").run(context -> {
                Accounts service = context.getBean(Accounts.class);
                KeyedLock accounts = context.getBean(NamedLockRegistry.class).getKeyed("account");
                List<CompletableFuture<Void>> calls = new ArrayList<>();
                for (int caller = 0; caller < 4; caller++) {
                    boolean annotated = caller % 2 == 0;
                    calls.add(CompletableFuture.runAsync(() -> {
                        for (int i = 0; i < 2_000; i++) {
                            if (annotated) {
                                payRetryingOnTimeout(service);
                            } else {
                                try (Guard<Void> held = accounts.lockInterruptibly("alice")) {
                                    service.enter();
                                } catch (InterruptedException e) {
                                    throw new IllegalStateException(e);
                                }
                            }
                        }
                    }, callers));
                }
                CompletableFuture.allOf(calls.toArray(CompletableFuture[]::new)).get(50, TimeUnit.SECONDS);
                assertThat(service.overlaps()).isZero();
                assertThat(accounts.getLiveKeyCount()).isZero();
            });
        } finally {
            callers.shutdownNow();
        }
    }

    private static void payRetryingOnTimeout(Accounts service) {
        while (true) {
            try {
                service.pay("alice");
                return;
            } catch (LockTimeoutException e) {
                // 50 ms is short under load on two cores; the invariant is what counts
            }
        }
    }

    @Test
    void everyWayToWaitLetsTheKeyGoAfterwards() throws Exception {
        runner.withPropertyValues("ironfence.locks.account.type=mutex", "ironfence.locks.account.keyed=true")
                .run(context -> {
                    KeyedLock accounts = context.getBean(NamedLockRegistry.class).getKeyed("account");
                    try (Guard<Void> held = accounts.lockAsync("alice").join()) {
                        assertThat(accounts.tryLock("alice")).isEmpty();
                        assertThat(accounts.tryLock("alice", Duration.ofMillis(5))).isEmpty();
                        CompletableFuture<Guard<Void>> queued = accounts.lockAsync("alice");
                        assertThat(queued.cancel(false)).isTrue();
                        assertThat(accounts.tryLock("bob")).hasValueSatisfying(Guard::close);
                        assertThat(accounts.getLiveKeyCount()).isOne();
                    }
                    assertThat(accounts.getLiveKeyCount()).isZero();
                    assertThatThrownBy(() -> accounts.read("alice")).isInstanceOf(IllegalStateException.class)
                            .hasMessageContaining("is a mutex");
                    assertThatThrownBy(() -> accounts.lock(null)).isInstanceOf(IllegalArgumentException.class);
                    assertThat(accounts.getLiveKeyCount()).isZero();
                    Guard<Void> guard = accounts.lock("alice");
                    guard.close();
                    guard.close();
                    assertThatThrownBy(guard::get).isInstanceOf(IllegalStateException.class);
                    assertThat(accounts.toString()).doesNotContain("alice");
                });
    }
}
