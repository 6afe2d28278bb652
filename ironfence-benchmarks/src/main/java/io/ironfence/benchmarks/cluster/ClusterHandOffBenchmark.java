package io.ironfence.benchmarks.cluster;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Cross-instance hand-off: instance A holds the lock and instance B waits for it (set up outside
 * the measurement); the measured operation is A's release until B holds it. Its percentiles are
 * the hand-off's: for a polling registry they depend on where in its poll period the release falls.
 */
@State(Scope.Benchmark)
public class ClusterHandOffBenchmark {

    @Param({"ironfence", "ironfence-no-cohorting", "jdbc-registry", "jdbc-registry-10ms"})
    public String implementation;

    private ClusterInstance a;
    private ClusterInstance b;
    private ExecutorService bThread;
    private AutoCloseable aHold;
    private CompletableFuture<Void> bHolds;
    private CountDownLatch bMayRelease;
    private CompletableFuture<Void> bReleased;

    @Setup(Level.Trial)
    public void start() {
        a = ClusterInstance.create(implementation, "handoff-a");
        b = ClusterInstance.create(implementation, "handoff-b");
        bThread = Executors.newSingleThreadExecutor(); // the registry's locks are released by the thread that took them
    }

    /** A takes the lock, B starts waiting for it; 30 ms lets B's request reach the server (or its poll loop). */
    @Setup(Level.Invocation)
    public void aHoldsAndBWaits() throws Exception {
        aHold = a.hold();
        CompletableFuture<Void> holds = new CompletableFuture<>();
        CountDownLatch mayRelease = new CountDownLatch(1);
        bHolds = holds;
        bMayRelease = mayRelease;
        bReleased = CompletableFuture.runAsync(() -> {
            try (AutoCloseable held = b.hold()) {
                holds.complete(null);
                mayRelease.await();
            } catch (Exception e) {
                holds.completeExceptionally(e);
            }
        }, bThread);
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(30)); // set-up pacing, outside the measurement
    }

    @Benchmark
    @Threads(1)
    @BenchmarkMode(Mode.SampleTime)
    @OutputTimeUnit(TimeUnit.MICROSECONDS)
    public void handOff() throws Exception {
        aHold.close();
        bHolds.get(10, TimeUnit.SECONDS);
    }

    @TearDown(Level.Invocation)
    public void bReleases() throws Exception {
        bMayRelease.countDown();
        bReleased.get(10, TimeUnit.SECONDS);
    }

    @TearDown(Level.Trial)
    public void stop() {
        bThread.shutdownNow();
        a.close();
        b.close();
    }
}
