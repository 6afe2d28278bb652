package io.ironfence.benchmarks.cluster;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.TimeUnit;

/** The yardstick of the uncontended cluster lock: one {@code SELECT 1} round trip on one connection. */
@State(Scope.Thread)
public class RoundTripBenchmark {

    private Connection connection;
    private Statement statement;

    @Setup(Level.Trial)
    public void connect() throws SQLException {
        connection = DriverManager.getConnection(ClusterInstance.url(), "postgres", null);
        statement = connection.createStatement();
    }

    @TearDown(Level.Trial)
    public void close() throws SQLException {
        connection.close();
    }

    @Benchmark
    @Threads(1)
    @BenchmarkMode(Mode.AverageTime)
    @OutputTimeUnit(TimeUnit.MICROSECONDS)
    public boolean selectOne() throws SQLException {
        return statement.execute("SELECT 1");
    }
}
