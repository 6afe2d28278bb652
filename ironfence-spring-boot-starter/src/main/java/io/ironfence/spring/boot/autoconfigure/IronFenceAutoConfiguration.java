package io.ironfence.spring.boot.autoconfigure;

import io.ironfence.spring.ClusterLocks;
import io.ironfence.spring.DeadlockDetector;
import io.ironfence.spring.NamedLockRegistry;
import io.ironfence.spring.StuckHoldDetector;
import io.ironfence.spring.aop.LockAnnotationBeanPostProcessor;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.config.BeanDefinition;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Role;
import org.springframework.core.env.Environment;
import org.springframework.util.function.SingletonSupplier;

/**
 * Auto-configures IronFence: the {@link NamedLockRegistry}, a bean per lock declared under
 * {@code ironfence.locks}, the post-processor that applies {@code @WithLock} and
 * {@code @ReadLocked}, and the {@link StuckHoldDetector}. Each backs off when the application defines its own;
 * {@code ironfence.enabled=false} turns it all off.
 * <p>
 * The infrastructure beans are static and bind {@link IronFenceProperties} from the environment
 * themselves: bean post-processors (and what they need) are created before properties binding is.
 */
@AutoConfiguration
@ConditionalOnBooleanProperty(name = "ironfence.enabled", matchIfMissing = true)
@EnableConfigurationProperties(IronFenceProperties.class)
public class IronFenceAutoConfiguration {

    @Bean
    @ConditionalOnMissingBean
    @Role(BeanDefinition.ROLE_INFRASTRUCTURE)
    static NamedLockRegistry ironFenceLockRegistry(Environment environment, ObjectProvider<ClusterLocks> clusterLocks) {
        NamedLockRegistry registry = IronFenceProperties.bind(environment).newRegistry();
        registry.setClusterLocks(clusterLocks::getIfAvailable); // asked when the first cluster-scoped name resolves
        return registry;
    }

    @Bean
    @ConditionalOnMissingBean
    StuckHoldDetector ironFenceStuckHoldDetector(NamedLockRegistry registry, ObjectProvider<DeadlockDetector> deadlocks) {
        return new StuckHoldDetector(registry, deadlocks.getIfAvailable());
    }

    @Bean
    @ConditionalOnMissingBean
    DeadlockDetector ironFenceDeadlockDetector(NamedLockRegistry registry) {
        return new DeadlockDetector(registry);
    }

    @Bean
    @ConditionalOnMissingBean
    @Role(BeanDefinition.ROLE_INFRASTRUCTURE)
    static LockAnnotationBeanPostProcessor ironFenceLockAnnotationBeanPostProcessor(Environment environment,
            ObjectProvider<NamedLockRegistry> registry) {
        LockAnnotationBeanPostProcessor postProcessor =
                new LockAnnotationBeanPostProcessor(SingletonSupplier.of(registry::getObject));
        IronFenceProperties properties = IronFenceProperties.bind(environment);
        postProcessor.setAdvisorOrder(properties.getAop().getOrder());
        postProcessor.setLockOrder(properties.getLockOrder());
        // Like Spring Boot's own proxies: class-based unless spring.aop.proxy-target-class=false.
        postProcessor.setProxyTargetClass(environment.getProperty("spring.aop.proxy-target-class", Boolean.class, true));
        return postProcessor;
    }

    @Bean
    @Role(BeanDefinition.ROLE_INFRASTRUCTURE)
    static DeclaredLockBeans ironFenceDeclaredLockBeans(Environment environment) {
        return new DeclaredLockBeans(IronFenceProperties.bind(environment).definitions());
    }
}
