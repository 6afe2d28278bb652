package io.ironfence.spring.data;

import org.springframework.boot.autoconfigure.AutoConfigurationPackage;
import org.springframework.cache.CacheManager;
import org.springframework.cache.annotation.EnableCaching;
import org.springframework.cache.concurrent.ConcurrentMapCacheManager;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** Entities and repositories of this package, with caching, as an application declares them. */
@Configuration(proxyBeanMethods = false)
@AutoConfigurationPackage
@EnableCaching
public class RepositoryApplication {

    @Bean
    CacheManager cacheManager() {
        return new ConcurrentMapCacheManager("vets");
    }
}
