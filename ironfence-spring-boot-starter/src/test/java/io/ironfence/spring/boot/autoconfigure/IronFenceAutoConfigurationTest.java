package io.ironfence.spring.boot.autoconfigure;

import io.ironfence.Mutex;
import io.ironfence.RWLock;
import io.ironfence.annotation.ReadLocked;
import io.ironfence.annotation.WithLock;
import io.ironfence.spring.LockType;
import io.ironfence.spring.NamedLock;
import io.ironfence.spring.NamedLockRegistry;
import io.ironfence.spring.StuckHoldDetector;
import io.ironfence.spring.aop.LockAnnotationBeanPostProcessor;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.beans.factory.annotation.BeanFactoryAnnotationUtils;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.assertj.AssertableApplicationContext;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import java.time.Duration;

import static io.ironfence.spring.StartupFailures.messages;
import static org.assertj.core.api.Assertions.assertThat;

@ExtendWith(OutputCaptureExtension.class)
class IronFenceAutoConfigurationTest {

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(IronFenceAutoConfiguration.class));

    @Test
    void registersTheRegistryAndTheAnnotationPostProcessor() {
        runner.run(context -> {
            assertThat(context).hasSingleBean(NamedLockRegistry.class);
            assertThat(context).hasSingleBean(LockAnnotationBeanPostProcessor.class);
            assertThat(context).hasSingleBean(IronFenceProperties.class);
        });
    }

    @Test
    void disabledTurnsEverythingOff() {
        runner.withPropertyValues("ironfence.enabled=false", "ironfence.locks.inventory.type=rwlock").run(context -> {
            assertThat(context).doesNotHaveBean(NamedLockRegistry.class);
            assertThat(context).doesNotHaveBean(LockAnnotationBeanPostProcessor.class);
            assertThat(context).doesNotHaveBean(RWLock.class);
        });
    }

    @Test
    void backsOffForTheApplicationsOwnBeans() {
        runner.withUserConfiguration(OwnInfrastructure.class).run(context -> {
            assertThat(context).getBean(NamedLockRegistry.class).isSameAs(OwnInfrastructure.REGISTRY);
            assertThat(context).getBean(LockAnnotationBeanPostProcessor.class).isSameAs(OwnInfrastructure.POST_PROCESSOR);
        });
    }

    @Test
    void declaredLocksAreBeansOfTheirTypeSharedWithTheRegistry() {
        runner.withPropertyValues("ironfence.locks.inventory.type=rwlock", "ironfence.locks.inventory.timeout=250ms",
                "ironfence.locks.ledger.type=mutex").withUserConfiguration(InjectsLocks.class).run(context -> {
                    NamedLockRegistry registry = context.getBean(NamedLockRegistry.class);
                    assertThat(lockBean(context, RWLock.class, "inventory"))
                            .isSameAs(registry.get("inventory").getLock());
                    assertThat(lockBean(context, Mutex.class, "ledger")).isSameAs(registry.getMutex("ledger"));
                    assertThat(registry.get("inventory").getTimeout()).contains(Duration.ofMillis(250));
                    assertThat(registry.get("ledger").getTimeout()).isEmpty();
                    assertThat(registry.get("inventory").getOrigin()).isEqualTo(NamedLock.Origin.PROPERTIES);
                    InjectsLocks injected = context.getBean(InjectsLocks.class);
                    assertThat(injected.inventory).isSameAs(registry.getRWLock("inventory"));
                    assertThat(injected.ledger.getName()).isEqualTo("ledger");
                });
    }

    @Test
    void applicationLockBeansJoinTheRegistryUnderTheirBeanName() {
        runner.withUserConfiguration(ApplicationLocks.class).run(context -> {
            NamedLockRegistry registry = context.getBean(NamedLockRegistry.class);
            assertThat(registry.getLocks()).extracting(NamedLock::getName).contains("orders", "prices");
            assertThat(registry.get("orders").getLock()).isSameAs(context.getBean("orders"));
            assertThat(registry.get("orders").getOrigin()).isEqualTo(NamedLock.Origin.BEAN);
            assertThat(registry.get("prices").getType()).isEqualTo(LockType.RWLOCK);
        });
    }

    @Test
    void aPropertyCanSetTheTimeoutOfTheApplicationsOwnLockBean() {
        runner.withUserConfiguration(ApplicationLocks.class).withPropertyValues("ironfence.locks.orders.timeout=2s")
                .run(context -> {
                    NamedLock orders = context.getBean(NamedLockRegistry.class).get("orders");
                    assertThat(orders.getLock()).isSameAs(context.getBean("orders"));
                    assertThat(orders.getTimeout()).contains(Duration.ofSeconds(2));
                });
    }

    @Test
    void aLockBeanNeverClashesWithAnApplicationBeanOfTheSameName(CapturedOutput output) {
        runner.withUserConfiguration(ApplicationLocks.class, InjectsLocks.class)
                .withBean("inventory", StringBuilder.class).withBean("ledger", StringBuilder.class)
                .withPropertyValues("ironfence.locks.inventory.type=rwlock", "ironfence.locks.ledger.type=mutex",
                        "ironfence.locks.orders.timeout=2s")
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    assertThat(context.getBean("ledger")).isInstanceOf(StringBuilder.class);
                    NamedLockRegistry registry = context.getBean(NamedLockRegistry.class);
                    InjectsLocks injected = context.getBean(InjectsLocks.class);
                    assertThat(injected.ledger).isSameAs(registry.getMutex("ledger"));
                    assertThat(injected.inventory).isSameAs(registry.getRWLock("inventory"));
                    // the application's own lock bean under a declared name is the lock, and no second bean
                    assertThat(lockBean(context, Mutex.class, "orders")).isSameAs(context.getBean("orders"));
                    assertThat(context.getBeansOfType(Mutex.class)).hasSize(2);
                    assertThat(output).doesNotContain("WARN");
                });
    }

    @Test
    void theStartersBeansHaveNamesOfTheirOwn() {
        runner.withBean("lockRegistry", StringBuilder.class).withBean("locksEndpoint", StringBuilder.class)
                .withBean("stuckHoldDetector", StringBuilder.class)
                .withPropertyValues("ironfence.locks.inventory.type=rwlock")
                .withAllowBeanDefinitionOverriding(false)
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    assertThat(context.getBean("lockRegistry")).isInstanceOf(StringBuilder.class);
                    assertThat(context).hasSingleBean(NamedLockRegistry.class);
                    for (Class<?> type : new Class<?>[] {NamedLockRegistry.class, LockAnnotationBeanPostProcessor.class,
                            StuckHoldDetector.class, RWLock.class}) {
                        assertThat(context.getBeanNamesForType(type)).as(type.getSimpleName())
                                .allSatisfy(name -> assertThat(name).startsWith("ironFence"));
                    }
                });
    }

    private static <T> T lockBean(AssertableApplicationContext context, Class<T> type, String lockName) {
        return BeanFactoryAnnotationUtils.qualifiedBeanOfType(context.getBeanFactory(), type, lockName);
    }

    @Test
    void aClusterScopedNameIsNeverServedByALocalLock() {
        runner.withPropertyValues("ironfence.locks.payouts.scope=cluster")
                .withClassLoader(new FilteredClassLoader("io.ironfence.cluster"))
                .run(context -> assertThat(messages(context)).contains("ironfence.locks.payouts.scope=cluster")
                        .contains("io.ironfence:ironfence-cluster is not on the class path"));
        runner.withPropertyValues("ironfence.locks.payouts.scope=local")
                .run(context -> assertThat(context).hasNotFailed());
    }

    @Test
    void aNameDeclaredTwiceWithDifferentTypesFailsTheStartUp() {
        runner.withUserConfiguration(ApplicationLocks.class).withPropertyValues("ironfence.locks.orders.type=rwlock")
                .run(context -> assertThat(messages(context))
                        .contains("'orders' is declared twice with different types")
                        .contains("ironfence.locks.orders.type=rwlock"));
    }

    @Test
    void aNonPositiveTimeoutFailsTheStartUp() {
        runner.withPropertyValues("ironfence.locks.ledger.timeout=0s").run(context -> assertThat(messages(context))
                .contains("ironfence.locks.ledger").contains("positive"));
    }

    @Test
    void aMalformedTimeoutPropertyFailsTheStartUp() {
        runner.withPropertyValues("ironfence.locks.ledger.timeout=soon").run(context -> assertThat(messages(context))
                .contains("ironfence.locks.ledger.timeout"));
    }

    @Test
    void strictModeRejectsUndeclaredNames() {
        runner.withPropertyValues("ironfence.strict=true").withUserConfiguration(UsesUndeclaredLock.class)
                .run(context -> assertThat(messages(context))
                        .contains("'audit'").contains("ironfence.strict=true").contains("ironfence.locks.audit.type"));
        runner.withUserConfiguration(UsesUndeclaredLock.class).run(context -> {
            assertThat(context).hasNotFailed();
            NamedLock audit = context.getBean(NamedLockRegistry.class).get("audit");
            assertThat(audit.getOrigin()).isEqualTo(NamedLock.Origin.FIRST_USE);
            assertThat(audit.getType()).isEqualTo(LockType.RWLOCK); // a @ReadLocked uses the name
        });
    }

    @Test
    void startsWithoutReactorOnTheClassPath() {
        runner.withClassLoader(new FilteredClassLoader("reactor.", "io.micrometer.", "org.springframework.boot.actuate."))
                .withUserConfiguration(UsesUndeclaredLock.class).run(context -> {
                    assertThat(context).hasNotFailed();
                    UsesUndeclaredLock.Audit audit = context.getBean(UsesUndeclaredLock.Audit.class);
                    assertThat(audit.record()).isEqualTo("recorded");
                    assertThat(audit.read()).isEqualTo("read");
                });
    }

    @Configuration(proxyBeanMethods = false)
    static class OwnInfrastructure {
        static final NamedLockRegistry REGISTRY = new NamedLockRegistry();
        static final LockAnnotationBeanPostProcessor POST_PROCESSOR = new LockAnnotationBeanPostProcessor(() -> REGISTRY);

        @Bean
        NamedLockRegistry myRegistry() {
            return REGISTRY;
        }

        @Bean
        static LockAnnotationBeanPostProcessor myPostProcessor() {
            return POST_PROCESSOR;
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class InjectsLocks {
        RWLock<?> inventory;
        Mutex<?> ledger;

        @Bean
        Object consumer(@Qualifier("inventory") RWLock<?> inventory, @Qualifier("ledger") Mutex<?> ledger) {
            this.inventory = inventory;
            this.ledger = ledger;
            return new Object();
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class ApplicationLocks {
        @Bean
        Mutex<StringBuilder> orders() {
            return new Mutex<>(new StringBuilder());
        }

        @Bean
        RWLock<StringBuilder> prices() {
            return new RWLock<>(new StringBuilder());
        }
    }

    @Configuration(proxyBeanMethods = false)
    public static class UsesUndeclaredLock {
        @Bean
        Audit audit() {
            return new Audit();
        }

        public static class Audit {
            @WithLock("audit")
            public String record() {
                return "recorded";
            }

            @ReadLocked("audit")
            public String read() {
                return "read";
            }
        }
    }
}
