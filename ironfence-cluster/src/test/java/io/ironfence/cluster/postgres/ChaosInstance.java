package io.ironfence.cluster.postgres;

import io.ironfence.cluster.ClusterGuard;
import io.ironfence.cluster.ClusterLock;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * One instance of a service in the chaos run, a JVM of its own so that it can be killed with
 * {@code kill -9}: threads take the cluster lock of random keys and, under it, write to a resource
 * that checks fencing tokens. Every hold is written down in {@code <ledger>_events} through a
 * connection of its own (not a lock session): when it started and ended by the server's clock,
 * whether the guard still said valid at the end of the body, whether its release found it intact,
 * whether the resource accepted the write. The ledger survives the instance; the test reads it.
 */
public final class ChaosInstance {

    private final String url;
    private final String user;
    private final String ledger;
    private final String instanceId;
    private final ClusterLock lock;
    private final AtomicLong acquireFailures = new AtomicLong();
    private final AtomicLong resourceFailures = new AtomicLong();

    private ChaosInstance(String url, String user, String ledger, String instanceId, ClusterLock lock) {
        this.url = url;
        this.user = user;
        this.ledger = ledger;
        this.instanceId = instanceId;
        this.lock = lock;
    }

    /** Arguments: JDBC URL, user, ledger name, instance id, seconds to run, threads, keys. */
    public static void main(String[] args) throws Exception {
        String url = args[0];
        String user = args[1];
        String ledger = args[2];
        String instanceId = args[3];
        long seconds = Long.parseLong(args[4]);
        int threads = Integer.parseInt(args[5]);
        int keys = Integer.parseInt(args[6]);
        PostgresLockEngine engine = new PostgresLockEngine(PostgresLockEngine.Settings.of(url, user, null)
                .withInstanceId(instanceId).withHeartbeat(Duration.ofMillis(100)).withConnectTimeout(Duration.ofSeconds(2)));
        ChaosInstance instance = new ChaosInstance(url, user, ledger, instanceId, new ClusterLock("chaos", engine, 4));
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        Thread[] workers = new Thread[threads];
        for (int t = 0; t < threads; t++) {
            workers[t] = new Thread(() -> instance.work(end, keys), instanceId + "-worker-" + t);
            workers[t].start();
        }
        System.out.println("STARTED");
        System.out.flush();
        for (Thread worker : workers) {
            worker.join();
        }
        engine.close();
        System.out.println("DONE acquireFailures=" + instance.acquireFailures + " resourceFailures="
                + instance.resourceFailures);
        System.out.flush();
    }

    private void work(long end, int keys) {
        Connection resource = null;
        while (System.nanoTime() < end) {
            try {
                if (resource == null || resource.isClosed()) {
                    resource = connect();
                }
                holdOnce(resource, ThreadLocalRandom.current().nextInt(keys));
            } catch (SQLException e) {
                resourceFailures.incrementAndGet(); // the server restarting: reconnect and go on
                resource = closeQuietly(resource);
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50)); // back off while it is down
            } catch (InterruptedException e) {
                return;
            }
        }
        closeQuietly(resource);
    }

    private void holdOnce(Connection resource, int key) throws SQLException, InterruptedException {
        Optional<ClusterGuard> taken;
        try {
            taken = lock.tryLock(key, Duration.ofSeconds(5));
        } catch (RuntimeException e) {
            acquireFailures.incrementAndGet(); // the server unreachable for a moment
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50));
            return;
        }
        if (taken.isEmpty()) {
            acquireFailures.incrementAndGet();
            return;
        }
        ClusterGuard guard = taken.get();
        long event = -1;
        boolean intact;
        try {
            long token = guard.fencingToken();
            event = begin(resource, key, token);
            boolean accepted = write(resource, key, token);
            LockSupport.parkNanos(TimeUnit.MICROSECONDS.toNanos(ThreadLocalRandom.current().nextInt(20_000)));
            boolean validAtEnd = guard.isValid();
            end(resource, event, accepted, validAtEnd);
        } catch (IllegalStateException e) {
            // A new token could not be issued: the hold was already lost. The release below says so.
        } finally {
            intact = guard.release();
        }
        if (event >= 0) {
            released(resource, event, intact);
        }
    }

    private long begin(Connection resource, int key, long token) throws SQLException {
        try (PreparedStatement insert = resource.prepareStatement("INSERT INTO " + ledger + "_events "
                + "(instance, k, token, started) VALUES (?, ?, ?, clock_timestamp()) RETURNING id")) {
            insert.setString(1, instanceId);
            insert.setInt(2, key);
            insert.setLong(3, token);
            try (ResultSet id = insert.executeQuery()) {
                id.next();
                return id.getLong(1);
            }
        }
    }

    /** The protected write: refused for a token lower than one the resource has seen. */
    private boolean write(Connection resource, int key, long token) throws SQLException {
        try (PreparedStatement update = resource.prepareStatement("UPDATE " + ledger + "_resource "
                + "SET last_token = ?, writes = writes + 1 WHERE k = ? AND last_token < ?")) {
            update.setLong(1, token);
            update.setInt(2, key);
            update.setLong(3, token);
            return update.executeUpdate() == 1;
        }
    }

    private void end(Connection resource, long event, boolean accepted, boolean validAtEnd) throws SQLException {
        try (PreparedStatement update = resource.prepareStatement("UPDATE " + ledger + "_events "
                + "SET ended = clock_timestamp(), accepted = ?, valid_at_end = ? WHERE id = ?")) {
            update.setBoolean(1, accepted);
            update.setBoolean(2, validAtEnd);
            update.setLong(3, event);
            update.executeUpdate();
        }
    }

    private void released(Connection resource, long event, boolean intact) throws SQLException {
        try (PreparedStatement update = resource.prepareStatement("UPDATE " + ledger + "_events SET intact = ? WHERE id = ?")) {
            update.setBoolean(1, intact);
            update.setLong(2, event);
            update.executeUpdate();
        }
    }

    private Connection connect() throws SQLException {
        java.util.Properties properties = new java.util.Properties();
        properties.setProperty("user", user);
        properties.setProperty("ApplicationName", "chaos-resource");
        return DriverManager.getConnection(url, properties);
    }

    private static Connection closeQuietly(Connection c) {
        if (c != null) {
            try {
                c.close();
            } catch (SQLException ignored) {
                // broken already
            }
        }
        return null;
    }
}
