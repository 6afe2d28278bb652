package io.ironfence.benchmarks;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.infra.Blackhole;

import java.lang.reflect.Method;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * Contention from virtual threads: each operation starts 64 virtual threads that take the lock 100
 * times each, and waits for all of them. Needs Java 21+ at run time (the module compiles for 17,
 * so the virtual-thread executor is looked up reflectively); on older JDKs it reports an error.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class VirtualThreadContendedBenchmark {

    private static final int THREADS = 64;
    private static final int ACQUISITIONS_PER_THREAD = 100;

    private Method newVirtualThreadPerTaskExecutor;

    @Setup
    public void setUp() throws ReflectiveOperationException {
        newVirtualThreadPerTaskExecutor = Executors.class.getMethod("newVirtualThreadPerTaskExecutor");
    }

    @Benchmark
    public void virtualThreads(ExclusiveLockState lock) throws Exception {
        Locks.ExclusiveSection section = lock.section;
        ExecutorService executor = (ExecutorService) newVirtualThreadPerTaskExecutor.invoke(null);
        try {
            Future<?>[] done = new Future<?>[THREADS];
            for (int t = 0; t < THREADS; t++) {
                done[t] = executor.submit(() -> {
                    for (int i = 0; i < ACQUISITIONS_PER_THREAD; i++) {
                        Blackhole.consumeCPU(20);
                        section.run();
                    }
                });
            }
            for (Future<?> f : done) {
                f.get();
            }
        } finally {
            executor.shutdown();
        }
    }
}
