package io.ironfence;

import org.jetbrains.lincheck.datastructures.ModelCheckingOptions;
import org.jetbrains.lincheck.datastructures.Operation;
import org.jetbrains.lincheck.datastructures.StressOptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Lincheck checks that every concurrent history of these operations matches some sequential one.
 * Acquire and release are separate operations (an operation that locks and unlocks inside itself
 * would make every failed try look wrong), and nothing depends on which thread runs an operation:
 * the guard of the current holder lives in a shared slot, and any thread may close it, as the
 * contract allows. Blocking waits are left to the other tests; asynchronous waits are here, since
 * they never block the thread. Cancellation is left to the race tests: a harness cannot learn of a
 * queued future atomically with its queueing, so "cancel the oldest" would judge the harness.
 * {@code getQueueLength()} is left out as in {@link RWLockLincheckTest}.
 */
@Tag("slow") // left out of the fast local loop: ./mvnw verify -DexcludedGroups=slow
@Timeout(value = 300, unit = TimeUnit.SECONDS)
public class MutexLincheckTest {

    private final Mutex<int[]> mutex = new Mutex<>(new int[1]);
    /** The guard of whoever holds the mutex now, filled in the moment it is granted. */
    private final AtomicReference<MutexGuard<int[]>> holder = new AtomicReference<>();

    @Operation
    public boolean tryLock() {
        Optional<MutexGuard<int[]>> guard = mutex.tryLock();
        guard.ifPresent(this::becomeHolder);
        return guard.isPresent();
    }

    /**
     * Requests the mutex asynchronously. Returns nothing: whether the future was complete when the
     * caller looked is not part of the request (a release on another thread may complete it in
     * between); its effect shows in the other operations.
     */
    @Operation
    public void lockAsync() {
        mutex.lockAsync().thenAccept(this::becomeHolder); // runs on the thread that releases the mutex to it
    }

    /**
     * Releases the current holder's hold. A holder fills the slot just after it is granted, so an
     * unlock that finds the mutex held but the slot still empty waits for it: the acquisition
     * happened first.
     */
    @Operation
    public boolean unlock() {
        MutexGuard<int[]> guard;
        while ((guard = holder.getAndSet(null)) == null) {
            if (!mutex.isLocked()) {
                return false;
            }
            Thread.yield();
        }
        guard.close();
        return true;
    }

    @Operation
    public boolean isLocked() {
        return mutex.isLocked();
    }

    private void becomeHolder(MutexGuard<int[]> guard) {
        guard.get()[0]++; // touches the value, which must be visible to the next holder
        holder.set(guard);
    }

    @Test
    void modelChecking() {
        new ModelCheckingOptions().iterations(30).invocationsPerIteration(500)
                .actorsBefore(2).actorsPerThread(3).actorsAfter(2).check(MutexLincheckTest.class);
    }

    @Test
    void stress() {
        new StressOptions().iterations(30).invocationsPerIteration(1_000)
                .actorsBefore(2).actorsPerThread(3).actorsAfter(2).check(MutexLincheckTest.class);
    }
}
