package io.ironfence.benchmarks;

import io.ironfence.annotation.WithLock;
import io.ironfence.spring.boot.autoconfigure.IronFenceAutoConfiguration;

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
import org.springframework.context.annotation.AnnotationConfigApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.MapPropertySource;

import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The cost of the lock-order check ({@code ironfence.lock-order}) on a nested annotated call: an
 * {@code @WithLock("outer")} method calling an {@code @WithLock("inner")} one on another bean, one
 * thread, locks free, no metrics. With {@code warn} the nested acquisition looks its known edge up
 * (one map look-up per held lock); {@code off} skips it. Calls that nest nothing only test the
 * thread's hold count, in both.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class NestedAnnotatedBenchmark {

    @Param({"off", "warn"})
    public String lockOrder;

    private AnnotationConfigApplicationContext context;
    private Outer outer;

    public static class Inner {
        private long value;

        @WithLock("inner")
        public long increment() {
            return ++value;
        }
    }

    public static class Outer {
        private final Inner inner;

        public Outer(Inner inner) {
            this.inner = inner;
        }

        @WithLock("outer")
        public long call() {
            return inner.increment();
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class NestedConfig {
        @Bean
        Inner inner() {
            return new Inner();
        }

        @Bean
        Outer outer(Inner inner) {
            return new Outer(inner);
        }
    }

    @Setup(Level.Trial)
    public void setUp() {
        context = new AnnotationConfigApplicationContext();
        context.getEnvironment().getPropertySources()
                .addFirst(new MapPropertySource("benchmark", Map.of("ironfence.lock-order", lockOrder)));
        context.register(IronFenceAutoConfiguration.class, NestedConfig.class);
        context.refresh();
        outer = context.getBean(Outer.class);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        context.close();
    }

    @Benchmark
    public long nested() {
        return outer.call();
    }
}
