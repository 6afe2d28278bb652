package io.ironfence;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.ByteArrayOutputStream;
import java.io.NotSerializableException;
import java.io.ObjectOutputStream;
import java.lang.management.LockInfo;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * The JDK's own tools see IronFence locks: a thread blocked on a lock names its owner
 * ({@code jstack -l}, {@link ThreadInfo}), the owner lists it among its "locked ownable
 * synchronizers", and {@link ThreadMXBean#findDeadlockedThreads()} finds a cycle of platform
 * threads through IronFence locks, as it does through ReentrantLocks.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class JdkToolsTest {

    private final ThreadMXBean threads = ManagementFactory.getThreadMXBean();

    @Test
    void anAbbaDeadlockOfPlatformThreadsIsFoundByTheJdk() throws Exception {
        for (boolean rw : new boolean[] {false, true}) {
            Sync accounts = rw ? RWLock.named("accounts", "a") : Mutex.named("accounts", "a");
            Sync ledger = rw ? RWLock.named("ledger", "b") : Mutex.named("ledger", "b");
            CountDownLatch bothHold = new CountDownLatch(2);
            Thread first = new Thread(() -> takeBoth(accounts, ledger, bothHold), "first-takes-accounts");
            Thread second = new Thread(() -> takeBoth(ledger, accounts, bothHold), "second-takes-ledger");
            first.setDaemon(true);
            second.setDaemon(true);
            first.start();
            second.start();
            try {
                assertCycleSeenByTheJdk(first, second, accounts, ledger);
            } finally {
                first.interrupt(); // ends the cycle: the interruptible wait gives up, its guard is closed
                second.interrupt();
                first.join();
                second.join();
            }
            assertThat(accounts.isLocked()).isFalse();
            assertThat(ledger.isLocked()).isFalse();
            assertThat(deadlocked()).isEmpty();
        }
    }

    private void assertCycleSeenByTheJdk(Thread first, Thread second, Sync accounts, Sync ledger) {
        await().atMost(Duration.ofSeconds(20)).until(() -> deadlocked().length == 2);
        assertThat(deadlocked()).containsExactlyInAnyOrder(first.getId(), second.getId());
        ThreadInfo blocked = threads.getThreadInfo(new long[] {first.getId()}, false, true)[0];
        assertThat(blocked.getLockOwnerName()).isEqualTo("second-takes-ledger");
        assertThat(blocked.getLockInfo().getClassName()).isEqualTo(ledger.getClass().getName());
        assertThat(Arrays.stream(blocked.getLockedSynchronizers()).map(LockInfo::getIdentityHashCode))
                .containsExactly(System.identityHashCode(accounts)); // what jstack -l lists under the owner
        assertThat(accounts.toString()).contains("accounts").doesNotContain("\"a\"");
    }

    private long[] deadlocked() {
        long[] ids = threads.findDeadlockedThreads();
        return ids == null ? new long[0] : ids;
    }

    private static void takeBoth(Sync outer, Sync inner, CountDownLatch bothHold) {
        try (Guard<?> held = exclusively(outer)) {
            bothHold.countDown();
            bothHold.await();
            try (Guard<?> both = inner instanceof Mutex<?> mutex ? mutex.lockInterruptibly()
                    : ((RWLock<?>) inner).writeInterruptibly()) {
                throw new AssertionError("a deadlock cannot be passed");
            }
        } catch (InterruptedException expected) {
            // the test ends the deadlock
        }
    }

    private static Guard<?> exclusively(Sync lock) {
        return lock instanceof Mutex<?> mutex ? mutex.lock() : ((RWLock<?>) lock).write();
    }

    @Test
    void locksRefuseToBeSerialized() {
        for (Object lock : new Object[] {Mutex.named("ledger", 1), RWLock.named("catalogue", 2)}) {
            assertThatThrownBy(() -> new ObjectOutputStream(new ByteArrayOutputStream()).writeObject(lock))
                    .isInstanceOf(NotSerializableException.class).hasMessageContaining("cannot be serialized");
        }
    }
}
