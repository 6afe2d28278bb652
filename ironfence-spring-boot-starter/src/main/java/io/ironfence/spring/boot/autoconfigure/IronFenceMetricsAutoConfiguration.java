package io.ironfence.spring.boot.autoconfigure;

import io.ironfence.spring.DeadlockDetector;
import io.ironfence.spring.NamedLockRegistry;
import io.ironfence.spring.micrometer.LockRegistryMetrics;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;

/**
 * Micrometer meters for every registered lock ({@code ironfence.lock.*}), when Micrometer is on the
 * class path. Spring Boot binds the {@code MeterBinder} to each meter registry; percentiles and
 * histograms come from {@code management.metrics.distribution.*}.
 */
@AutoConfiguration(after = IronFenceAutoConfiguration.class)
@ConditionalOnClass(name = "io.micrometer.core.instrument.MeterRegistry")
@ConditionalOnBean(NamedLockRegistry.class)
public class IronFenceMetricsAutoConfiguration {

    @Bean
    @ConditionalOnMissingBean
    LockRegistryMetrics ironFenceLockRegistryMetrics(NamedLockRegistry registry,
            ObjectProvider<DeadlockDetector> deadlocks) {
        return new LockRegistryMetrics(registry, deadlocks.getIfAvailable());
    }
}
