package io.ironfence.spring.aop;

import io.ironfence.annotation.ReadLocked;
import io.ironfence.annotation.WithLock;
import io.ironfence.spring.LockOrderPolicy;
import io.ironfence.spring.NamedLockRegistry;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;
import org.springframework.aop.Advisor;
import org.springframework.aop.framework.Advised;
import org.springframework.aop.framework.AopInfrastructureBean;
import org.springframework.aop.framework.autoproxy.AbstractBeanFactoryAwareAdvisingPostProcessor;
import org.springframework.aop.support.AopUtils;
import org.springframework.aop.support.DefaultPointcutAdvisor;
import org.springframework.aop.support.StaticMethodMatcherPointcut;
import org.springframework.beans.BeansException;
import org.springframework.beans.factory.BeanFactory;
import org.springframework.beans.factory.InitializingBean;
import org.springframework.beans.factory.config.ConfigurableBeanFactory;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.context.EnvironmentAware;
import org.springframework.core.DefaultParameterNameDiscoverer;
import org.springframework.core.Ordered;
import org.springframework.core.ParameterNameDiscoverer;
import org.springframework.core.env.Environment;
import org.springframework.core.annotation.AnnotationUtils;
import org.springframework.util.ClassUtils;
import org.springframework.util.ReflectionUtils;

import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.Proxy;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * Applies {@link WithLock @WithLock} and {@link ReadLocked @ReadLocked} to beans, the way Spring's
 * {@code ConcurrencyLimitBeanPostProcessor} applies {@code @ConcurrencyLimit}: an advisor on a
 * proxy, class-based or interface-based, no AspectJ weaver.
 * <p>
 * Every annotated method a caller can reach is checked at start-up, so a misdeclared annotation
 * fails it with a message that names the method (a malformed timeout, a key that does not parse, a
 * read lock on a mutex) and every lock name is known, with its mode, before the first call: the
 * types of all bean definitions first (lazy beans, and factory beans' products such as Spring Data
 * repositories, by their interface), then each bean as it is created, with the interfaces of a JDK
 * proxy. An annotation on a method a proxy cannot intercept (private, static, final) is logged
 * once as a warning, since it would silently do nothing.
 * <p>
 * <b>Order.</b> On a bean that is already proxied (for example for {@code @Transactional}), the
 * lock advisor goes before every advisor with a higher order value: with the default
 * ({@link #DEFAULT_ORDER}, just before {@link Ordered#LOWEST_PRECEDENCE}, where
 * {@code @EnableTransactionManagement} puts transactions), the lock is taken before the
 * transaction begins and released after it commits.
 */
public class LockAnnotationBeanPostProcessor extends AbstractBeanFactoryAwareAdvisingPostProcessor
        implements EnvironmentAware, InitializingBean {

    /** The default advisor order: outside transactions of the default order. */
    public static final int DEFAULT_ORDER = Ordered.LOWEST_PRECEDENCE - 100;

    private static final Log logger = LogFactory.getLog(LockAnnotationBeanPostProcessor.class);

    private final Supplier<NamedLockRegistry> registry;
    private final Set<List<Class<?>>> inspected = ConcurrentHashMap.newKeySet();
    private final Set<Method> warned = ConcurrentHashMap.newKeySet();
    private final ParameterNameDiscoverer parameterNames = new DefaultParameterNameDiscoverer();
    private int advisorOrder = DEFAULT_ORDER;
    private LockOrderChecker lockOrder = new LockOrderChecker(LockOrderPolicy.WARN);
    private LockOperationSource operations;
    private @Nullable BeanFactory beanFactory;
    private @Nullable Environment environment;

    /** @param registry the registry the annotations' names resolve in (looked up lazily) */
    public LockAnnotationBeanPostProcessor(Supplier<NamedLockRegistry> registry) {
        this.registry = registry;
    }

    /**
     * @param policy what to do when annotated methods nest locks in an order that can deadlock
     *               ({@code ironfence.lock-order}; default {@link LockOrderPolicy#WARN})
     */
    public void setLockOrder(LockOrderPolicy policy) {
        this.lockOrder = new LockOrderChecker(policy);
    }

    /** @param advisorOrder where the lock advisor goes among a proxy's advisors (lower: further out) */
    public void setAdvisorOrder(int advisorOrder) {
        this.advisorOrder = advisorOrder;
    }

    @Override
    public void setEnvironment(Environment environment) {
        this.environment = environment;
    }

    @Override
    public void setBeanFactory(BeanFactory beanFactory) {
        super.setBeanFactory(beanFactory);
        this.beanFactory = beanFactory;
    }

    @Override
    public void afterPropertiesSet() {
        this.operations = new LockOperationSource(this::resolvePlaceholders);
        this.advisor = newAdvisor(null);
        if (beanFactory instanceof ConfigurableListableBeanFactory listable) {
            inspectBeanDefinitions(listable);
        }
    }

    /**
     * Timeouts may be {@code ${placeholders}}. They are parsed before the context has its default
     * placeholder resolver (post-processors are made first), so the environment is the fallback.
     */
    private String resolvePlaceholders(String value) {
        if (beanFactory instanceof ConfigurableBeanFactory configurable && configurable.hasEmbeddedValueResolver()) {
            return configurable.resolveEmbeddedValue(value);
        }
        return environment != null ? environment.resolvePlaceholders(value) : value;
    }

    /**
     * @param proxyClass the JDK proxy class of an existing proxy whose interfaces callers use, or null
     * @return an advisor whose pointcut matches exactly the methods the operation source locks
     */
    private Advisor newAdvisor(@Nullable Class<?> proxyClass) {
        StaticMethodMatcherPointcut pointcut = new StaticMethodMatcherPointcut() {
            @Override
            public boolean matches(Method method, Class<?> targetClass) {
                return operations.operationFor(method, targetClass, proxyClass) != null;
            }
        };
        DefaultPointcutAdvisor lockAdvisor = new DefaultPointcutAdvisor(pointcut,
                new LockInterceptor(operations, registry, beanFactory, proxyClass, lockOrder));
        lockAdvisor.setOrder(advisorOrder);
        return lockAdvisor;
    }

    @Override
    public Object postProcessAfterInitialization(Object bean, String beanName) {
        if (this.advisor == null || bean instanceof AopInfrastructureBean) {
            return bean;
        }
        Class<?> proxyClass = Proxy.isProxyClass(bean.getClass()) ? bean.getClass() : null;
        inspect(AopUtils.getTargetClass(bean), proxyClass);
        if (bean instanceof Advised advised && !advised.isFrozen() && isEligible(bean, beanName)) {
            if (Arrays.stream(advised.getAdvisors()).noneMatch(each -> each.getAdvice() instanceof LockInterceptor)) {
                // An interface-based proxy made elsewhere (a Spring Data repository, an HTTP interface
                // client) may run calls on a target that does not implement the interfaces callers
                // use: its advisor must look at those interfaces, which only the proxy knows.
                Advisor lockAdvisor = proxyClass != null ? newAdvisor(proxyClass) : this.advisor;
                advised.addAdvisor(positionIn(advised.getAdvisors()), lockAdvisor);
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

    /**
     * Parses every annotated method that the bean definitions' types show, before any bean exists:
     * lazy beans and products of factory beans (a Spring Data repository is its interface until its
     * factory bean runs) are checked at start-up too, and every name's type is known before the
     * registry resolves it.
     */
    private void inspectBeanDefinitions(ConfigurableListableBeanFactory beanFactory) {
        for (String name : beanFactory.getBeanDefinitionNames()) {
            Class<?> type;
            try {
                type = beanFactory.getType(name, false);
            } catch (BeansException | LinkageError e) {
                continue; // not predictable without creating it: inspected when it is created
            }
            if (type != null && !AopInfrastructureBean.class.isAssignableFrom(type)) {
                inspect(type, null);
            }
        }
    }

    /**
     * Parses every annotated method a caller can reach now, so mistakes fail the start-up and
     * every name is registered with the mode it is used in.
     *
     * @param targetClass the class that runs the calls (an interface for a bean known only by type)
     * @param proxyClass  the JDK proxy callers call through, or null
     */
    private void inspect(@Nullable Class<?> targetClass, @Nullable Class<?> proxyClass) {
        if (targetClass == null || !inspected.add(Arrays.asList(targetClass, proxyClass))) {
            return;
        }
        Set<Class<?>> interfaces = new LinkedHashSet<>();
        if (proxyClass != null) {
            interfaces.addAll(Arrays.asList(proxyClass.getInterfaces()));
        }
        if (targetClass.isInterface() || Proxy.isProxyClass(targetClass)) {
            interfaces.addAll(Arrays.asList(targetClass.isInterface() ? new Class<?>[] {targetClass}
                    : targetClass.getInterfaces()));
        } else if (AnnotationUtils.isCandidateClass(targetClass, List.of(WithLock.class, ReadLocked.class))) {
            ReflectionUtils.doWithMethods(ClassUtils.getUserClass(targetClass),
                    method -> inspect(method, targetClass, proxyClass),
                    method -> !method.isBridge() && !method.isSynthetic() && method.getDeclaringClass() != Object.class);
        }
        for (Class<?> type : interfaces) {
            for (Method method : type.getMethods()) {
                register(operations.operationFor(method, targetClass, proxyClass));
            }
        }
    }

    private void inspect(Method method, Class<?> targetClass, @Nullable Class<?> proxyClass) {
        int modifiers = method.getModifiers();
        if (Modifier.isPrivate(modifiers) || Modifier.isStatic(modifiers) || Modifier.isFinal(modifiers)) {
            if (LockOperationSource.isAnnotated(method) && !callableThroughProxy(method, proxyClass)
                    && warned.add(method)) {
                logger.warn("IronFence lock annotation on " + LockOperationSource.describe(method)
                        + " has no effect: a proxy cannot intercept a " + (Modifier.isPrivate(modifiers) ? "private"
                        : Modifier.isStatic(modifiers) ? "static" : "final")
                        + " method. Make it a public, non-final instance method called through the bean.");
            }
            return;
        }
        register(operations.operationFor(method, targetClass, proxyClass));
    }

    /** A final method that implements an interface method of a JDK proxy is still intercepted there. */
    private static boolean callableThroughProxy(Method method, @Nullable Class<?> proxyClass) {
        return proxyClass != null && !Modifier.isStatic(method.getModifiers()) && !Modifier.isPrivate(method.getModifiers())
                && ReflectionUtils.findMethod(proxyClass, method.getName(), method.getParameterTypes()) != null;
    }

    private void register(@Nullable LockOperation operation) {
        if (operation != null) {
            registry.get().registerUse(operation.name(), operation.shared(), operation.key() != null,
                    operation.description(), operation.keyParameterType(parameterNames));
        }
    }
}
