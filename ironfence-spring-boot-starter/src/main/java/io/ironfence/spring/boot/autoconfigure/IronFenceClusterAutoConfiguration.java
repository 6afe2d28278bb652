package io.ironfence.spring.boot.autoconfigure;

import io.ironfence.cluster.postgres.PostgresLockEngine;
import io.ironfence.spring.ClusterLocks;
import io.ironfence.spring.NamedLockRegistry;
import io.ironfence.spring.cluster.ClusterLockMetrics;
import io.ironfence.spring.cluster.PostgresClusterLocks;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;
import org.springframework.util.StringUtils;

import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * Cluster scope, when {@code io.ironfence:ironfence-cluster} is on the class path: the names
 * declared {@code ironfence.locks.<name>.scope=cluster} lock across every instance, on the
 * advisory locks of the PostgreSQL database of {@code ironfence.cluster.url} (by default the
 * application's {@code spring.datasource.url}). Nothing connects unless such a name exists; then
 * the connection is made at start-up, so a wrong URL or password fails it.
 */
@AutoConfiguration(after = IronFenceAutoConfiguration.class)
@ConditionalOnClass(name = "io.ironfence.cluster.ClusterRWLock")
@ConditionalOnBooleanProperty(name = "ironfence.enabled", matchIfMissing = true)
public class IronFenceClusterAutoConfiguration {

    /** PostgreSQL's limit on application_name (NAMEDATALEN - 1). */
    private static final int MAX_INSTANCE_ID = 63;

    @Bean
    @ConditionalOnMissingBean(ClusterLocks.class)
    PostgresClusterLocks ironFenceClusterLocks(Environment environment) {
        IronFenceProperties.Cluster cluster = IronFenceProperties.bind(environment).getCluster();
        return new PostgresClusterLocks(() -> settings(cluster, environment), cluster.getMaxLocalHandoffs(),
                cluster.getMaxKeys());
    }

    /** Reads the connection settings when the first cluster lock needs them, naming what is missing. */
    static PostgresLockEngine.Settings settings(IronFenceProperties.Cluster cluster, Environment environment) {
        String url = cluster.getUrl();
        String urlProperty = "ironfence.cluster.url";
        if (!StringUtils.hasText(url)) {
            url = environment.getProperty("spring.datasource.url");
            urlProperty = "spring.datasource.url (ironfence.cluster.url is unset)";
        }
        if (!StringUtils.hasText(url)) {
            throw new IllegalStateException("Cluster-scoped locks need a PostgreSQL database, and none is configured: "
                    + "set ironfence.cluster.url (e.g. jdbc:postgresql://db:5432/shop) with ironfence.cluster.username "
                    + "and password, or spring.datasource.url, or set the locks' scope to local.");
        }
        if (!url.startsWith("jdbc:postgresql:")) {
            throw new IllegalStateException("Cluster-scoped locks need a PostgreSQL database, but " + urlProperty
                    + " is " + url + ". Set ironfence.cluster.url to a jdbc:postgresql:// URL of a database every "
                    + "instance uses, or set the locks' scope to local.");
        }
        String username = cluster.getUsername() != null ? cluster.getUsername()
                : environment.getProperty("spring.datasource.username");
        String password = cluster.getPassword() != null ? cluster.getPassword()
                : environment.getProperty("spring.datasource.password");
        String instanceId = StringUtils.hasText(cluster.getInstanceId()) ? cluster.getInstanceId()
                : defaultInstanceId(environment);
        try {
            return PostgresLockEngine.Settings.of(url, username, password)
                    .withInstanceId(truncate(instanceId))
                    .withMaxConnections(cluster.getMaxConnections())
                    .withHeartbeat(cluster.getHeartbeat())
                    .withConnectTimeout(cluster.getConnectTimeout())
                    .withFencingTokens(cluster.isFencingTokens());
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException("Invalid ironfence.cluster settings: " + e.getMessage()
                    + ". Set max-connections to at least 1, and heartbeat and connect-timeout to positive durations.", e);
        }
    }

    private static String defaultInstanceId(Environment environment) {
        String application = environment.getProperty("spring.application.name", "app");
        String host;
        try {
            host = InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            host = "unknown-host";
        }
        return application + "@" + host + ":" + ProcessHandle.current().pid();
    }

    private static String truncate(String instanceId) {
        return instanceId.length() <= MAX_INSTANCE_ID ? instanceId : instanceId.substring(0, MAX_INSTANCE_ID);
    }

    /** The remote meters, when Micrometer is there. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(name = "io.micrometer.core.instrument.MeterRegistry")
    static class ClusterMetricsConfiguration {

        /** Not conditional on the cluster locks bean: nested configurations are read before their outer class's beans. */
        @Bean
        @ConditionalOnMissingBean
        @ConditionalOnBean(NamedLockRegistry.class)
        ClusterLockMetrics ironFenceClusterLockMetrics(NamedLockRegistry registry,
                ObjectProvider<PostgresClusterLocks> clusterLocks) {
            return new ClusterLockMetrics(registry, () -> {
                PostgresClusterLocks locks = clusterLocks.getIfAvailable();
                return locks != null ? locks.openSessions() : 0;
            });
        }
    }
}
