package io.ironfence.spring.boot.autoconfigure;

import io.ironfence.spring.DeadlockDetector;
import io.ironfence.spring.NamedLockRegistry;
import io.ironfence.spring.boot.actuate.LocksEndpoint;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.actuate.autoconfigure.endpoint.condition.ConditionalOnAvailableEndpoint;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The {@code locks} actuator endpoint, when the actuator is on the class path and the endpoint is
 * available (enabled, and exposed: add {@code locks} to {@code management.endpoints.web.exposure.include}).
 */
@AutoConfiguration(after = IronFenceAutoConfiguration.class)
@ConditionalOnClass(name = "org.springframework.boot.actuate.endpoint.annotation.Endpoint")
@ConditionalOnBean(NamedLockRegistry.class)
public class IronFenceEndpointAutoConfiguration {

    /** Nested, so that the actuator's condition is only read once the actuator is known to be present. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnAvailableEndpoint(LocksEndpoint.class)
    static class LocksEndpointConfiguration {

        @Bean
        @ConditionalOnMissingBean
        LocksEndpoint ironFenceLocksEndpoint(NamedLockRegistry registry, ObjectProvider<DeadlockDetector> deadlocks) {
            return new LocksEndpoint(registry, deadlocks.getIfAvailable());
        }
    }
}
