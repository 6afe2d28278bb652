package io.ironfence.spring.boot.autoconfigure;

import io.ironfence.Mutex;
import io.ironfence.RWLock;
import io.ironfence.spring.KeyedLock;
import io.ironfence.spring.LockRegistry;
import io.ironfence.spring.LockType;

import org.springframework.beans.factory.BeanFactory;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.beans.factory.support.BeanDefinitionRegistry;
import org.springframework.beans.factory.support.BeanDefinitionRegistryPostProcessor;
import org.springframework.beans.factory.support.RootBeanDefinition;

import java.util.Map;

/**
 * Registers a bean for every lock declared under {@code ironfence.locks.<name>}, named after it
 * and served by the {@link LockRegistry}, so {@code @Qualifier("inventory") RWLock<?>} and the
 * annotations get the same lock: a {@code Mutex} or {@code RWLock}, or for a name declared
 * {@code keyed} a {@link KeyedLock} that locks the same per-key locks as the annotations. A name the application already defines a bean for is left to the
 * application's bean (the registry checks that its type agrees, and warns if it is no lock).
 */
final class DeclaredLockBeans implements BeanDefinitionRegistryPostProcessor {

    private final Map<String, LockRegistry.Definition> declared;

    DeclaredLockBeans(Map<String, LockRegistry.Definition> declared) {
        this.declared = declared;
    }

    @Override
    public void postProcessBeanDefinitionRegistry(BeanDefinitionRegistry registry) {
        if (!(registry instanceof BeanFactory beanFactory)) {
            return;
        }
        declared.forEach((name, definition) -> {
            if (registry.containsBeanDefinition(name)) {
                return;
            }
            RootBeanDefinition bean;
            if (definition.keyed()) {
                bean = new RootBeanDefinition(KeyedLock.class);
                bean.setInstanceSupplier(() -> beanFactory.getBean(LockRegistry.class).getKeyed(name));
            } else {
                bean = new RootBeanDefinition(definition.type() == LockType.MUTEX ? Mutex.class : RWLock.class);
                bean.setInstanceSupplier(() -> beanFactory.getBean(LockRegistry.class).get(name).getLock());
            }
            bean.setAttribute(LockRegistry.DECLARED_LOCK_ATTRIBUTE, Boolean.TRUE);
            registry.registerBeanDefinition(name, bean);
        });
    }

    @Override
    public void postProcessBeanFactory(ConfigurableListableBeanFactory beanFactory) {
    }
}
