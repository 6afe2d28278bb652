package io.ironfence.cluster.postgres;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A row that the mutual-exclusion tests increment with an unsynchronised read-modify-write: only
 * safe under the cluster lock, so a lost update shows as a total short of the number of holds.
 */
final class SharedCounter {

    /** Takes a hold of the lock under test; closing what it returns releases it. */
    @FunctionalInterface
    interface Hold {
        AutoCloseable take() throws Exception;
    }

    private final String table;
    private final PostgresServer server;
    private final AtomicInteger inside = new AtomicInteger();
    private final AtomicInteger overlaps = new AtomicInteger();

    private SharedCounter(String table, PostgresServer server) {
        this.table = table;
        this.server = server;
    }

    /**
     * Increments the counter {@code rounds} times, each under a hold taken by {@code hold}, on a
     * connection of its own, and counts any moment at which two holders were inside at once.
     */
    void incrementUnder(Hold hold, int rounds) {
        try (Connection data = server.connect()) {
            for (int round = 0; round < rounds; round++) {
                try (AutoCloseable held = hold.take()) {
                    if (inside.incrementAndGet() > 1) {
                        overlaps.incrementAndGet();
                    }
                    increment(data);
                    inside.decrementAndGet();
                }
            }
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** @return how often a holder found another one inside */
    int overlaps() {
        return overlaps.get();
    }

    /** Creates the table, with the counter at 0. */
    static SharedCounter create(PostgresServer server, String name) throws SQLException {
        SharedCounter counter = new SharedCounter("counter_" + name, server);
        try (Connection c = server.connect(); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE " + counter.table + " (id int PRIMARY KEY, n bigint NOT NULL)");
            s.execute("INSERT INTO " + counter.table + " VALUES (1, 0)");
        }
        return counter;
    }

    /** Reads, then writes the value plus one: two statements, no transaction, no row lock. */
    private void increment(Connection data) throws SQLException {
        write(data, read(data) + 1);
    }

    long read(Connection data) throws SQLException {
        try (Statement s = data.createStatement(); ResultSet r = s.executeQuery("SELECT n FROM " + table + " WHERE id = 1")) {
            r.next();
            return r.getLong(1);
        }
    }

    private void write(Connection data, long n) throws SQLException {
        try (PreparedStatement update = data.prepareStatement("UPDATE " + table + " SET n = ? WHERE id = 1")) {
            update.setLong(1, n);
            update.executeUpdate();
        }
    }
}
