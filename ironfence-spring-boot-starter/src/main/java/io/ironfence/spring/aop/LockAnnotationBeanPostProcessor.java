package io.ironfence.spring.aop;

import io.ironfence.annotation.ReadLocked;
import io.ironfence.annotation.WithLock;
import io.ironfence.spring.LockRegistry;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.springframework.aop.Advisor;
import org.springframework.aop.framework.Advised;
import org.springframework.aop.framework.AopInfrastructureBean;
import org.springframework.aop.framework.autoproxy.AbstractBeanFactoryAwareAdvisingPostProcessor;
import org.springframework.aop.support.AopUtils;
import org.springframework.aop.support.ComposablePointcut;
import org.springframework.aop.support.DefaultPointcutAdvisor;
import org.springframework.aop.support.annotation.AnnotationMatchingPointcut;
import org.springframework.beans.factory.BeanFactory;
import org.springframework.beans.factory.config.ConfigurableBeanFactory;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.AnnotationUtils;
import org.springframework.util.ReflectionUtils;

import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * Applies {@link WithLock @WithLock} and {@link ReadLocked @ReadLocked} to beans, the way Spring's
 * {@code ConcurrencyLimitBeanPostProcessor} applies {@code @ConcurrencyLimit}: an advisor on a
 * proxy, class-based or interface-based, no AspectJ weaver.
 * <p>
 * Every bean class is checked once as the bean is created, so a misdeclared annotation fails the
 * start-up with a message that names the method: a malformed timeout, a key that does not parse,
 * a read lock on a mutex. An annotation on a method a proxy cannot intercept (private, static,
 * final) is logged as a warning, since it would silently do nothing.
 * <p>
 * <b>Order.</b> On a bean that is already proxied (for example for {@code @Transactional}), the
 * lock advisor goes before every advisor with a higher order value: with the default
 * ({@link #DEFAULT_ORDER}, just before {@link Ordered#LOWEST_PRECEDENCE}, where
 * {@code @EnableTransactionManagement} puts transactions), the lock is taken before the
 * transaction begins and released after it commits.
 */
public class LockAnnotationBeanPostProcessor extends AbstractBeanFactoryAwareAdvisingPostProcessor {

    /** The default advisor order: outside transactions of the default order. */
    public static final int DEFAULT_ORDER = Ordered.LOWEST_PRECEDENCE - 100;

    private static final Log logger = LogFactory.getLog(LockAnnotationBeanPostProcessor.class);

    private final Supplier<LockRegistry> registry;
    private final Set<Class<?>> inspected = ConcurrentHashMap.newKeySet();
    private int advisorOrder = DEFAULT_ORDER;
    private LockOperationSource operations;

    /** @param registry the registry the annotations' names resolve in (looked up lazily) */
    public LockAnnotationBeanPostProcessor(Supplier<LockRegistry> registry) {
        this.registry = registry;
    }

    /** @param advisorOrder where the lock advisor goes among a proxy's advisors (lower: further out) */
    public void setAdvisorOrder(int advisorOrder) {
        this.advisorOrder = advisorOrder;
    }

    @Override
    public void setBeanFactory(BeanFactory beanFactory) {
        super.setBeanFactory(beanFactory);
        this.operations = new LockOperationSource(beanFactory instanceof ConfigurableBeanFactory configurable
                ? configurable::resolveEmbeddedValue : null);
        ComposablePointcut pointcut = new ComposablePointcut(new AnnotationMatchingPointcut(WithLock.class, true))
                .union(new AnnotationMatchingPointcut(ReadLocked.class, true))
                .union(new AnnotationMatchingPointcut(null, WithLock.class, true))
                .union(new AnnotationMatchingPointcut(null, ReadLocked.class, true));
        DefaultPointcutAdvisor lockAdvisor = new DefaultPointcutAdvisor(pointcut,
                new LockInterceptor(operations, registry, beanFactory));
        lockAdvisor.setOrder(advisorOrder);
        this.advisor = lockAdvisor;
    }

    @Override
    public Object postProcessAfterInitialization(Object bean, String beanName) {
        if (this.advisor == null || bean instanceof AopInfrastructureBean) {
            return bean;
        }
        inspect(AopUtils.getTargetClass(bean));
        if (bean instanceof Advised advised && !advised.isFrozen() && isEligible(bean, beanName)) {
            if (advised.indexOf(this.advisor) < 0) {
                advised.addAdvisor(positionIn(advised.getAdvisors()), this.advisor);
            }
            return bean;
        }
        return super.postProcessAfterInitialization(bean, beanName);
    }

    /** Before the first advisor that is ordered after ours. */
    private int positionIn(Advisor[] advisors) {
        int position = 0;
        while (position < advisors.length && orderOf(advisors[position]) <= advisorOrder) {
            position++;
        }
        return position;
    }

    private static int orderOf(Advisor advisor) {
        return advisor instanceof Ordered ordered ? ordered.getOrder() : Ordered.LOWEST_PRECEDENCE;
    }

    /** Parses every annotated method of the class now, so mistakes fail the start-up. */
    private void inspect(Class<?> targetClass) {
        if (!inspected.add(targetClass)
                || !AnnotationUtils.isCandidateClass(targetClass, List.of(WithLock.class, ReadLocked.class))) {
            return;
        }
        ReflectionUtils.doWithMethods(targetClass, method -> inspect(method, targetClass),
                method -> !method.isBridge() && !method.isSynthetic() && method.getDeclaringClass() != Object.class);
    }

    private void inspect(Method method, Class<?> targetClass) {
        int modifiers = method.getModifiers();
        if (Modifier.isPrivate(modifiers) || Modifier.isStatic(modifiers) || Modifier.isFinal(modifiers)) {
            if (LockOperationSource.isAnnotated(method)) {
                logger.warn("IronFence lock annotation on " + LockOperationSource.describe(method)
                        + " has no effect: a proxy cannot intercept a " + (Modifier.isPrivate(modifiers) ? "private"
                        : Modifier.isStatic(modifiers) ? "static" : "final")
                        + " method. Make it a public, non-final instance method called through the bean.");
            }
            return;
        }
        LockOperation operation = operations.operationFor(method, targetClass);
        if (operation != null) {
            registry.get().registerUse(operation.name(), operation.shared(), operation.description());
        }
    }
}
