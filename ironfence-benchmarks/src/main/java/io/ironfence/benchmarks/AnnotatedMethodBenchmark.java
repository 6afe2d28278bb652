package io.ironfence.benchmarks;

import io.ironfence.annotation.WithLock;
import io.ironfence.spring.boot.autoconfigure.IronFenceAutoConfiguration;
import io.ironfence.spring.boot.autoconfigure.IronFenceMetricsAutoConfiguration;
import io.ironfence.spring.micrometer.LockRegistryMetrics;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.aopalliance.intercept.MethodInterceptor;
import org.aopalliance.intercept.MethodInvocation;
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
import org.springframework.aop.framework.ProxyFactory;
import org.springframework.aop.support.DefaultPointcutAdvisor;
import org.springframework.aop.support.NameMatchMethodPointcut;
import org.springframework.context.annotation.AnnotationConfigApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.resilience.annotation.ConcurrencyLimit;
import org.springframework.resilience.annotation.EnableResilientMethods;

import java.util.concurrent.TimeUnit;

/**
 * The cost of calling an annotated method on a Spring bean, one thread, lock free: IronFence's
 * {@code @WithLock} with Micrometer metrics ({@code ironfence}), without metrics
 * ({@code ironfence-no-metrics}), Spring's {@code @ConcurrencyLimit(1)} on the same method, and
 * the floor of both: the same class-based proxy with an interceptor that only proceeds
 * ({@code proxy-only}).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class AnnotatedMethodBenchmark {

    @Param({"ironfence", "ironfence-no-metrics", "concurrency-limit", "proxy-only"})
    public String impl;

    private AnnotationConfigApplicationContext context;
    private Counter counter;
    private boolean limited;

    /** The same one-increment body behind each annotation. */
    public static class Counter {
        private long value;

        @WithLock("counter")
        public long locked() {
            return ++value;
        }

        @ConcurrencyLimit(1)
        public long limited() {
            return ++value;
        }
    }

    @Configuration(proxyBeanMethods = false)
    @EnableResilientMethods
    static class CounterConfig {
        @Bean
        Counter counter() {
            return new Counter();
        }
    }

    @Setup(Level.Trial)
    public void setUp() {
        context = impl.equals("ironfence")
                ? new AnnotationConfigApplicationContext(IronFenceAutoConfiguration.class,
                        IronFenceMetricsAutoConfiguration.class, CounterConfig.class)
                : new AnnotationConfigApplicationContext(IronFenceAutoConfiguration.class, CounterConfig.class);
        if (impl.equals("ironfence")) {
            context.getBean(LockRegistryMetrics.class).bindTo(new SimpleMeterRegistry());
        }
        counter = context.getBean(Counter.class);
        limited = impl.equals("concurrency-limit");
        if (impl.equals("proxy-only")) {
            ProxyFactory proxyOnly = new ProxyFactory(new Counter());
            proxyOnly.setProxyTargetClass(true);
            proxyOnly.addAdvisor(new DefaultPointcutAdvisor(new NameMatchMethodPointcut().addMethodName("locked"),
                    (MethodInterceptor) MethodInvocation::proceed));
            counter = (Counter) proxyOnly.getProxy();
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        context.close();
    }

    @Benchmark
    public long call() {
        return limited ? counter.limited() : counter.locked();
    }
}
