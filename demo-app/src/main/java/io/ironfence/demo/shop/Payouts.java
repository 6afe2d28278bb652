package io.ironfence.demo.shop;

import io.ironfence.annotation.WithLock;
import io.ironfence.cluster.ClusterGuard;
import io.ironfence.spring.aop.ClusterHolds;

import org.jspecify.annotations.Nullable;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.core.env.Environment;
import org.springframework.stereotype.Service;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * Payouts to sellers, written by every instance of the shop to one table in PostgreSQL under the
 * cluster-scoped {@code payouts} lock (only with {@code ironfence.locks.payouts.scope=cluster}: the
 * {@code cluster} profile, started by {@code cluster-demo.sh}). Each write carries the hold's
 * fencing token, and the table refuses a token lower than the last one it took: a holder whose lock
 * was lost behind its back cannot overwrite a newer holder's payout.
 */
@Service
@ConditionalOnProperty(name = "ironfence.locks.payouts.scope", havingValue = "cluster")
public class Payouts {

    /** What the dashboard shows. */
    public record Status(String instance, long lastToken, @Nullable String lastInstance, long totalCents, long payouts,
            long refused) {
    }

    private final String url;
    private final @Nullable String username;
    private final @Nullable String password;
    private final String instance;
    /** Used only under the payouts lock, which excludes this instance's callers too. */
    private @Nullable Connection connection;
    private volatile long refused;

    public Payouts(Environment environment) throws SQLException {
        this.url = environment.getRequiredProperty("ironfence.cluster.url");
        this.username = environment.getProperty("ironfence.cluster.username");
        this.password = environment.getProperty("ironfence.cluster.password");
        this.instance = environment.getProperty("ironfence.cluster.instance-id", "demo");
        try (Connection c = connect(); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE IF NOT EXISTS demo_payouts (id int PRIMARY KEY, last_token bigint NOT NULL, "
                    + "last_instance text, total_cents bigint NOT NULL, payouts bigint NOT NULL)");
            s.execute("INSERT INTO demo_payouts VALUES (1, 0, NULL, 0, 0) ON CONFLICT (id) DO NOTHING");
        }
    }

    /**
     * Pays out, at most one instance at a time.
     *
     * @return whether the table took the payout (false: refused for an old fencing token)
     */
    @WithLock("payouts")
    public boolean pay(long cents) throws SQLException {
        ClusterGuard hold = ClusterHolds.current("payouts");
        long token = hold.fencingToken();
        try (PreparedStatement update = connection().prepareStatement("UPDATE demo_payouts SET last_token = ?, "
                + "last_instance = ?, total_cents = total_cents + ?, payouts = payouts + 1 WHERE id = 1 AND last_token < ?")) {
            update.setLong(1, token);
            update.setString(2, instance);
            update.setLong(3, cents);
            update.setLong(4, token);
            if (update.executeUpdate() == 1) {
                return true;
            }
            refused++;
            return false;
        } catch (SQLException e) {
            connection = null; // the server restarted: the next holder connects again
            throw e;
        }
    }

    public Status status() throws SQLException {
        try (Connection c = connect(); Statement s = c.createStatement();
             ResultSet row = s.executeQuery("SELECT last_token, last_instance, total_cents, payouts FROM demo_payouts")) {
            row.next();
            return new Status(instance, row.getLong(1), row.getString(2), row.getLong(3), row.getLong(4), refused);
        }
    }

    private Connection connection() throws SQLException {
        Connection c = connection;
        if (c == null || c.isClosed()) {
            c = connect();
            connection = c;
        }
        return c;
    }

    private Connection connect() throws SQLException {
        return DriverManager.getConnection(url, username, password);
    }
}
