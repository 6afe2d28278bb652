package io.ironfence.spring.boot.autoconfigure;

import io.ironfence.spring.NamedLockRegistry;
import io.ironfence.spring.web.LockUnavailableExceptionHandler;
import io.ironfence.spring.web.WithdrawPendingLockRequests;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.servlet.config.annotation.AsyncSupportConfigurer;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;

/**
 * IronFence in web applications ({@code ironfence.web.enabled}, default on): a lock a request
 * could not have answers {@code 503} with {@code Retry-After} (unless the application handles
 * the exception itself), and, in Spring MVC, an async request that times out or fails withdraws
 * the lock requests it left queued.
 */
@AutoConfiguration(after = IronFenceAutoConfiguration.class)
@ConditionalOnWebApplication
@ConditionalOnClass(name = "org.springframework.http.ProblemDetail")
@ConditionalOnBean(NamedLockRegistry.class)
@ConditionalOnProperty(prefix = IronFenceProperties.PREFIX, name = "web.enabled", matchIfMissing = true)
public class IronFenceWebAutoConfiguration {

    @Bean
    @ConditionalOnMissingBean
    LockUnavailableExceptionHandler ironFenceLockUnavailableExceptionHandler(IronFenceProperties properties) {
        return new LockUnavailableExceptionHandler(properties.getWeb().getRetryAfter());
    }

    /** Nested, so that Spring MVC's types are only loaded in a servlet application. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
    @ConditionalOnClass(WebMvcConfigurer.class)
    static class ServletConfiguration {

        @Bean
        WebMvcConfigurer ironFenceAsyncRequestConfigurer() {
            return new WebMvcConfigurer() {
                @Override
                public void configureAsyncSupport(AsyncSupportConfigurer configurer) {
                    configurer.registerDeferredResultInterceptors(new WithdrawPendingLockRequests());
                }
            };
        }
    }
}
