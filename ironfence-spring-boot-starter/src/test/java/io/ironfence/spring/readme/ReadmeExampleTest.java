package io.ironfence.spring.readme;

import io.ironfence.RWLock;
import io.ironfence.spring.NamedLockRegistry;
import io.ironfence.spring.boot.autoconfigure.IronFenceAutoConfiguration;

import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.BeanFactoryAnnotationUtils;
import org.junit.jupiter.api.Timeout;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** The starter example in the repository's README: the same code, compiled and run here. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ReadmeExampleTest {

    @Configuration(proxyBeanMethods = false)
    static class ShopConfig {
        @Bean
        Shop shop() {
            return new Shop();
        }
    }

    @Test
    void theReadmeShowsThisExample() throws Exception {
        String readme = Files.readString(Path.of("..", "README.md"));
        String source = Files.readString(Path.of("src/test/java/io/ironfence/spring/readme/Shop.java"));
        String example = source.substring(source.indexOf("// README:BEGIN\n") + "// README:BEGIN\n".length(),
                source.indexOf("// README:END"));
        assertThat(readme).contains(example);
        assertThat(readme).contains("""
                ironfence:
                  locks:
                    inventory:
                      type: rwlock
                      timeout: 500ms
                """);
    }

    @Test
    void theExampleRuns() {
        new ApplicationContextRunner().withConfiguration(AutoConfigurations.of(IronFenceAutoConfiguration.class))
                .withUserConfiguration(ShopConfig.class)
                .withPropertyValues("ironfence.locks.inventory.type=rwlock", "ironfence.locks.inventory.timeout=500ms")
                .run(context -> {
                    Shop shop = context.getBean(Shop.class);
                    shop.restock("apple", 3);
                    assertThat(shop.stock("apple")).isEqualTo(3);
                    assertThat(shop.addToCart("ada", "apple")).isEqualTo(1);
                    assertThat(shop.addToCart("ada", "pear")).isEqualTo(2);
                    assertThat(shop.checkout("ada").get()).containsExactly("apple", "pear");
                    assertThat(BeanFactoryAnnotationUtils.qualifiedBeanOfType(context.getBeanFactory(), RWLock.class,
                            "inventory")).isSameAs(context.getBean(NamedLockRegistry.class).getRWLock("inventory"));
                    assertThat(context.getBean(NamedLockRegistry.class).get("customer").getKeyedLocks().size()).isZero();
                });
    }
}
