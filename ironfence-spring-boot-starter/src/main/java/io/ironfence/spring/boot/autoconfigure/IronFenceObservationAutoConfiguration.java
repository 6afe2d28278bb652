package io.ironfence.spring.boot.autoconfigure;

import io.ironfence.spring.NamedLockRegistry;
import io.ironfence.spring.observation.LockWaitObservations;

import io.micrometer.observation.ObservationRegistry;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Waits that queue become {@code ironfence.lock.queued} Observations when the application has an
 * {@link ObservationRegistry} (Spring Boot makes one whenever Micrometer is there);
 * {@code ironfence.observations.enabled=false} turns them off.
 */
@AutoConfiguration(after = IronFenceAutoConfiguration.class,
        afterName = "org.springframework.boot.micrometer.observation.autoconfigure.ObservationAutoConfiguration")
@ConditionalOnClass(name = "io.micrometer.observation.ObservationRegistry")
@ConditionalOnBean({NamedLockRegistry.class, ObservationRegistry.class})
@ConditionalOnProperty(prefix = IronFenceProperties.PREFIX, name = "observations.enabled", matchIfMissing = true)
public class IronFenceObservationAutoConfiguration {

    /** Attaches the observing listener to every lock, now and as locks are created. */
    @Bean
    SmartInitializingSingleton ironFenceLockWaitObservations(NamedLockRegistry registry,
            ObservationRegistry observations) {
        Set<String> observed = ConcurrentHashMap.newKeySet(); // forEachLock may offer a lock twice
        return () -> registry.forEachLock(named -> {
            if (observed.add(named.getName())) {
                named.addListener(new LockWaitObservations(named, observations));
            }
        });
    }
}
