package io.ironfence.spring.aop;

import io.ironfence.LockTimeoutException;
import io.ironfence.WriteGuard;
import io.ironfence.annotation.ReadLocked;
import io.ironfence.annotation.WithLock;
import io.ironfence.spring.LockType;
import io.ironfence.spring.NamedLockRegistry;
import io.ironfence.spring.boot.autoconfigure.IronFenceAutoConfiguration;

import org.aopalliance.intercept.MethodInterceptor;
import org.junit.jupiter.api.Test;
import org.springframework.aop.framework.ProxyFactory;
import org.springframework.aop.support.AopUtils;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;
import org.springframework.transaction.TransactionDefinition;
import org.springframework.transaction.annotation.EnableTransactionManagement;
import org.springframework.transaction.annotation.Transactional;
import org.springframework.transaction.support.AbstractPlatformTransactionManager;
import org.springframework.transaction.support.DefaultTransactionStatus;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Interface-based proxies, and where the lock sits relative to {@code @Transactional}. */
class ProxyAndOrderTest {

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(IronFenceAutoConfiguration.class));

    public interface Inventory {
        boolean restock();
    }

    public static class LockedInventory implements Inventory {
        NamedLockRegistry registry;

        @Override
        @WithLock("inventory")
        public boolean restock() {
            return registry.get("inventory").getLock().isLocked();
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class InventoryConfig {
        @Bean
        Inventory inventory(NamedLockRegistry registry) {
            LockedInventory inventory = new LockedInventory();
            inventory.registry = registry;
            return inventory;
        }
    }

    @Test
    void interfaceBasedProxiesAreLockedToo() {
        runner.withUserConfiguration(InventoryConfig.class).withPropertyValues("spring.aop.proxy-target-class=false")
                .run(context -> {
                    Inventory inventory = context.getBean(Inventory.class);
                    assertThat(AopUtils.isJdkDynamicProxy(inventory)).isTrue();
                    assertThat(inventory.restock()).isTrue();
                });
    }

    @Test
    void classBasedProxiesByDefault() {
        runner.withUserConfiguration(InventoryConfig.class).run(context -> {
            Inventory inventory = context.getBean(Inventory.class);
            assertThat(AopUtils.isCglibProxy(inventory)).isTrue();
            assertThat(inventory.restock()).isTrue();
        });
    }

    /** An HTTP interface client is such a proxy: an interface, an interceptor, no target. */
    @ReadLocked(value = "catalogue", timeout = "50ms")
    public interface CatalogueClient {
        String fetch();
    }

    @Configuration(proxyBeanMethods = false)
    static class ClientConfig {
        @Bean
        CatalogueClient catalogueClient() {
            ProxyFactory factory = new ProxyFactory(CatalogueClient.class, (MethodInterceptor) invocation -> "fetched");
            return (CatalogueClient) factory.getProxy();
        }
    }

    @Test
    void aTypeAnnotationOnTheInterfaceOfAProxyWithoutTargetLocksItsMethods() {
        runner.withUserConfiguration(ClientConfig.class).run(context -> {
            NamedLockRegistry registry = context.getBean(NamedLockRegistry.class);
            assertThat(registry.getLocks()).anySatisfy(lock -> {
                assertThat(lock.getName()).isEqualTo("catalogue");
                assertThat(lock.getType()).isEqualTo(LockType.RWLOCK);
            });
            CatalogueClient client = context.getBean(CatalogueClient.class);
            try (WriteGuard<?> held = registry.<Object>getRWLock("catalogue").writeAsync().join()) {
                assertThatThrownBy(client::fetch).isInstanceOf(LockTimeoutException.class);
            }
            assertThat(client.fetch()).isEqualTo("fetched");
        });
    }

    /** Records whether the lock was held when each transaction began and committed. */
    static class RecordingTransactionManager extends AbstractPlatformTransactionManager {
        final List<String> events = new ArrayList<>();
        NamedLockRegistry registry;

        private String lockState() {
            return registry.get("orders").getLock().isLocked() ? "locked" : "free";
        }

        @Override
        protected Object doGetTransaction() {
            return new Object();
        }

        @Override
        protected void doBegin(Object transaction, TransactionDefinition definition) {
            events.add("begin:" + lockState());
        }

        @Override
        protected void doCommit(DefaultTransactionStatus status) {
            events.add("commit:" + lockState());
        }

        @Override
        protected void doRollback(DefaultTransactionStatus status) {
            events.add("rollback:" + lockState());
        }
    }

    public static class Orders {
        @Transactional
        @WithLock("orders")
        public void place() {
        }
    }

    @Configuration(proxyBeanMethods = false)
    @EnableTransactionManagement
    static class TransactionalConfig {
        @Bean
        RecordingTransactionManager transactionManager(NamedLockRegistry registry) {
            RecordingTransactionManager manager = new RecordingTransactionManager();
            manager.registry = registry;
            return manager;
        }

        @Bean
        Orders orders() {
            return new Orders();
        }
    }

    @Test
    void byDefaultTheLockIsHeldAcrossTheWholeTransaction() {
        runner.withUserConfiguration(TransactionalConfig.class).run(context -> {
            context.getBean(Orders.class).place();
            assertThat(context.getBean(RecordingTransactionManager.class).events)
                    .containsExactly("begin:locked", "commit:locked");
        });
    }

    @Test
    void theOrderPropertyCanPutTheLockInsideTheTransaction() {
        runner.withUserConfiguration(TransactionalConfig.class)
                .withPropertyValues("ironfence.aop.order=" + Ordered.LOWEST_PRECEDENCE).run(context -> {
                    context.getBean(Orders.class).place();
                    assertThat(context.getBean(RecordingTransactionManager.class).events)
                            .containsExactly("begin:free", "commit:free");
                });
    }
}
