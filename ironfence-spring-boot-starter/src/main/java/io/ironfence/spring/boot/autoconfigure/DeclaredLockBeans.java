package io.ironfence.spring.boot.autoconfigure;

import io.ironfence.spring.KeyedLock;
import io.ironfence.spring.LockScope;
import io.ironfence.spring.LockType;
import io.ironfence.spring.NamedLockRegistry;

import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.beans.factory.support.AutowireCandidateQualifier;
import org.springframework.beans.factory.support.BeanDefinitionRegistry;
import org.springframework.beans.factory.support.BeanDefinitionRegistryPostProcessor;
import org.springframework.beans.factory.support.RootBeanDefinition;
import org.springframework.util.ClassUtils;

import java.util.Map;

/**
 * Registers a bean for every lock declared under {@code ironfence.locks.<name>}, qualified by the
 * lock's name and served by the {@link NamedLockRegistry}, so {@code @Qualifier("inventory") RWLock<?>}
 * and the annotations get the same lock: a {@code Mutex} or {@code RWLock}, or for a name declared
 * {@code keyed} a {@link KeyedLock} that locks the same per-key locks as the annotations, and for
 * a name declared {@code scope: cluster} its {@code ClusterLock} or {@code ClusterRWLock}. A name
 * for which the application defines a {@code Mutex} or {@code RWLock} bean itself is left to that
 * bean (the registry checks that its type agrees).
 */
final class DeclaredLockBeans implements BeanDefinitionRegistryPostProcessor {

    private final Map<String, NamedLockRegistry.Definition> declared;

    DeclaredLockBeans(Map<String, NamedLockRegistry.Definition> declared) {
        this.declared = declared;
    }

    /**
     * @param lockName a lock's name
     * @return the name of its bean: the starter's own, so that it never clashes with an application
     *         bean named after the same thing (a {@code catalogue} service beside a {@code catalogue}
     *         lock); the lock's name is its qualifier
     */
    static String beanName(String lockName) {
        return "ironFenceLock." + lockName;
    }

    @Override
    public void postProcessBeanDefinitionRegistry(BeanDefinitionRegistry registry) {
        if (!(registry instanceof ConfigurableListableBeanFactory beanFactory)) {
            return;
        }
        declared.forEach((name, definition) -> {
            if (isApplicationLock(beanFactory, name)) {
                return; // the application's own Mutex or RWLock of that name is the lock
            }
            RootBeanDefinition bean;
            if (definition.scope() == LockScope.CLUSTER) {
                // Keyed or not, the cluster lock takes the key on each call.
                bean = new RootBeanDefinition(ClassUtils.resolveClassName(definition.type() == LockType.MUTEX
                        ? "io.ironfence.cluster.ClusterLock" : "io.ironfence.cluster.ClusterRWLock",
                        DeclaredLockBeans.class.getClassLoader()));
                bean.setInstanceSupplier(() -> beanFactory.getBean(NamedLockRegistry.class).get(name).getCluster().lock());
            } else if (definition.keyed()) {
                bean = new RootBeanDefinition(KeyedLock.class);
                bean.setInstanceSupplier(() -> beanFactory.getBean(NamedLockRegistry.class).getKeyed(name));
            } else {
                bean = new RootBeanDefinition(definition.type().lockClass());
                bean.setInstanceSupplier(() -> beanFactory.getBean(NamedLockRegistry.class).get(name).getLock());
            }
            bean.addQualifier(new AutowireCandidateQualifier(Qualifier.class, name));
            bean.setAttribute(NamedLockRegistry.DECLARED_LOCK_ATTRIBUTE, Boolean.TRUE);
            registry.registerBeanDefinition(beanName(name), bean);
        });
    }

    private static boolean isApplicationLock(ConfigurableListableBeanFactory beanFactory, String name) {
        if (!beanFactory.containsBeanDefinition(name)) {
            return false;
        }
        return LockType.ofBeanType(beanFactory.getType(name, false)) != null;
    }

    @Override
    public void postProcessBeanFactory(ConfigurableListableBeanFactory beanFactory) {
    }
}
