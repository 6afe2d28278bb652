package io.ironfence.benchmarks.cluster;

import io.ironfence.cluster.ClusterGuard;
import io.ironfence.cluster.ClusterLock;
import io.ironfence.cluster.ClusterLockEngine.RemoteHold;
import io.ironfence.cluster.ClusterLockKeys;
import io.ironfence.cluster.postgres.PostgresLockEngine;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import org.springframework.integration.jdbc.lock.DefaultLockRepository;
import org.springframework.integration.jdbc.lock.JdbcLockRegistry;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Lock;

/**
 * One instance of a service taking one cluster-wide lock, the way each implementation under
 * comparison does it. Every instance has its own connections and its own client identity, as a
 * separate JVM would.
 */
interface ClusterInstance extends AutoCloseable {

    /** Takes the lock, runs the critical section, releases the lock. */
    void locked(Runnable criticalSection) throws Exception;

    /** Takes the lock; closing the result releases it (on the same thread, for the registry's sake). */
    AutoCloseable hold() throws Exception;

    @Override
    void close();

    /** The system property that tells the benchmarks where PostgreSQL is (run-cluster-benchmarks.sh sets it). */
    String URL_PROPERTY = "ironfence.bench.postgres.url";

    static String url() {
        String url = System.getProperty(URL_PROPERTY);
        if (url == null) {
            throw new IllegalStateException("The cluster benchmarks need PostgreSQL: run ironfence-benchmarks/"
                    + "run-cluster-benchmarks.sh, which starts a throwaway server, or pass -D" + URL_PROPERTY
                    + "=jdbc:postgresql://127.0.0.1:5432/postgres (user postgres, no password).");
        }
        return url;
    }

    /**
     * @param implementation ironfence, ironfence-no-tokens (fencing tokens off), ironfence-no-cohorting,
     *                       jdbc-registry (100 ms between tries, Spring Integration's default) or
     *                       jdbc-registry-10ms
     * @param name           the instance's name on the server
     */
    static ClusterInstance create(String implementation, String name) {
        String url = url();
        return switch (implementation) {
            case "ironfence" -> new IronFence(url, name, true);
            case "ironfence-no-tokens" -> new IronFence(url, name, false);
            case "ironfence-no-cohorting" -> new EveryWaiterRemote(url, name);
            case "jdbc-registry" -> new JdbcRegistry(url, Duration.ofMillis(100));
            case "jdbc-registry-10ms" -> new JdbcRegistry(url, Duration.ofMillis(10));
            default -> throw new IllegalArgumentException("Unknown implementation " + implementation);
        };
    }

    /** IronFence: the instance's callers queue locally, one request per instance reaches the server. */
    final class IronFence implements ClusterInstance {

        private final PostgresLockEngine engine;
        private final ClusterLock lock;

        IronFence(String url, String name, boolean fencingTokens) {
            engine = new PostgresLockEngine(PostgresLockEngine.Settings.of(url, "postgres", null).withInstanceId(name)
                    .withFencingTokens(fencingTokens));
            lock = new ClusterLock("bench", engine, 8);
        }

        @Override
        public void locked(Runnable criticalSection) throws InterruptedException {
            try (ClusterGuard guard = lock.lockInterruptibly(null)) {
                criticalSection.run();
            }
        }

        @Override
        public AutoCloseable hold() throws InterruptedException {
            return lock.lockInterruptibly(null);
        }

        @Override
        public void close() {
            engine.close();
        }
    }

    /** The same engine without cohorting: every waiter sends its own request to the server. */
    final class EveryWaiterRemote implements ClusterInstance {

        private final PostgresLockEngine engine;
        private final long key = ClusterLockKeys.of("bench", null);

        EveryWaiterRemote(String url, String name) {
            engine = new PostgresLockEngine(PostgresLockEngine.Settings.of(url, "postgres", null).withInstanceId(name)
                    .withMaxConnections(32));
        }

        @Override
        public void locked(Runnable criticalSection) throws Exception {
            try (RemoteHold hold = engine.acquire(key, false, null).get(60, TimeUnit.SECONDS)) {
                criticalSection.run();
            }
        }

        @Override
        public AutoCloseable hold() throws Exception {
            return engine.acquire(key, false, null).get(60, TimeUnit.SECONDS);
        }

        @Override
        public void close() {
            engine.close();
        }
    }

    /** Spring Integration's JdbcLockRegistry: a lease row per lock, polled every idleBetweenTries. */
    final class JdbcRegistry implements ClusterInstance {

        private final HikariDataSource dataSource;
        private final DefaultLockRepository repository;
        private final Lock lock;

        JdbcRegistry(String url, Duration idleBetweenTries) {
            HikariConfig config = new HikariConfig();
            config.setJdbcUrl(url);
            config.setUsername("postgres");
            config.setMaximumPoolSize(16);
            dataSource = new HikariDataSource(config);
            createTable();
            repository = new DefaultLockRepository(dataSource, UUID.randomUUID().toString());
            repository.setTransactionManager(new DataSourceTransactionManager(dataSource));
            repository.afterPropertiesSet();
            repository.afterSingletonsInstantiated();
            repository.start();
            JdbcLockRegistry registry = new JdbcLockRegistry(repository);
            registry.setIdleBetweenTries(idleBetweenTries);
            lock = registry.obtain("bench");
        }

        private void createTable() {
            try (Connection c = dataSource.getConnection(); Statement s = c.createStatement()) {
                // Spring Integration's schema-postgresql.sql, for the lock table only.
                s.execute("CREATE TABLE IF NOT EXISTS INT_LOCK (LOCK_KEY CHAR(36) NOT NULL, REGION VARCHAR(100) NOT NULL, "
                        + "CLIENT_ID CHAR(36), CREATED_DATE TIMESTAMP NOT NULL, EXPIRED_AFTER TIMESTAMP NOT NULL, "
                        + "constraint INT_LOCK_PK primary key (LOCK_KEY, REGION))");
            } catch (SQLException e) {
                throw new IllegalStateException(e);
            }
        }

        @Override
        public void locked(Runnable criticalSection) {
            lock.lock();
            try {
                criticalSection.run();
            } finally {
                lock.unlock();
            }
        }

        @Override
        public AutoCloseable hold() {
            lock.lock();
            return lock::unlock;
        }

        @Override
        public void close() {
            repository.close();
            dataSource.close();
        }
    }
}
