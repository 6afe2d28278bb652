package io.ironfence.cluster.postgres;

import org.junit.jupiter.api.Assumptions;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A real PostgreSQL for the tests: Debian's server binaries, a new cluster in a temporary directory
 * and a free loopback port, started once per test JVM and removed when it ends. PostgreSQL refuses
 * to run as root, so as root the harness runs it as the {@code postgres} user ({@code runuser}).
 * <p>
 * Without PostgreSQL installed the tests are skipped, saying how to enable them, unless the
 * environment variable {@code IRONFENCE_POSTGRES_REQUIRED=true} is set (CI sets it): then a missing
 * or broken server fails them. Public (and in the test jar) for the starter's cluster tests.
 */
public final class PostgresServer {

    private static final boolean REQUIRED = "true".equalsIgnoreCase(System.getenv("IRONFENCE_POSTGRES_REQUIRED"));
    private static volatile PostgresServer shared;
    private static volatile String startFailure;

    private final Path dir;
    private final Path binaries;
    private final int port;
    private final boolean asRoot;

    private PostgresServer(Path dir, Path binaries, int port, boolean asRoot) {
        this.dir = dir;
        this.binaries = binaries;
        this.port = port;
        this.asRoot = asRoot;
    }

    /** @return the running server, started on first use; skips (or fails, in CI) without PostgreSQL */
    public static synchronized PostgresServer get() {
        if (shared != null) {
            return shared;
        }
        if (startFailure == null) {
            try {
                shared = start();
                Runtime.getRuntime().addShutdownHook(new Thread(shared::stop, "postgres-test-server-stop"));
                return shared;
            } catch (Exception e) {
                startFailure = e.getMessage();
            }
        }
        String message = "PostgreSQL is needed for the cluster lock tests and could not be started: " + startFailure
                + ". Install it (apt-get install -y postgresql); CI sets IRONFENCE_POSTGRES_REQUIRED=true so that "
                + "a missing server fails the build.";
        if (REQUIRED) {
            throw new IllegalStateException(message);
        }
        Assumptions.abort(message);
        throw new AssertionError("unreachable");
    }

    public String url() {
        return "jdbc:postgresql://127.0.0.1:" + port + "/postgres";
    }

    public String username() {
        return "postgres";
    }

    /** A plain connection for the test's own looks at the server (pg_locks, pg_stat_activity). */
    public Connection connect() throws SQLException {
        return DriverManager.getConnection(url(), username(), "");
    }

    /** @return the number of advisory locks granted now, in any session */
    public long advisoryLocks() throws SQLException {
        return count("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted");
    }

    /** @return the number of advisory lock requests waiting now */
    public long waitingAdvisoryLocks() throws SQLException {
        return count("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted");
    }

    /** @return the number of sessions named {@code applicationName} */
    public long sessionsOf(String applicationName) throws SQLException {
        try (Connection c = connect();
             var query = c.prepareStatement("SELECT count(*) FROM pg_stat_activity WHERE application_name = ?")) {
            query.setString(1, applicationName);
            try (ResultSet result = query.executeQuery()) {
                result.next();
                return result.getLong(1);
            }
        }
    }

    /** Terminates the sessions of an instance, as an administrator or a failing network would. */
    public long terminateSessionsOf(String applicationName) throws SQLException {
        try (Connection c = connect();
             var query = c.prepareStatement("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                     + "WHERE application_name = ?")) {
            query.setString(1, applicationName);
            try (ResultSet result = query.executeQuery()) {
                result.next();
                return result.getLong(1);
            }
        }
    }

    public long count(String sql) throws SQLException {
        try (Connection c = connect(); Statement s = c.createStatement(); ResultSet result = s.executeQuery(sql)) {
            result.next();
            return result.getLong(1);
        }
    }

    private static PostgresServer start() throws IOException, InterruptedException {
        Path binaries = findBinaries().orElseThrow(() -> new IllegalStateException(
                "no initdb/pg_ctl under /usr/lib/postgresql/*/bin or on the PATH"));
        boolean asRoot = "root".equals(System.getProperty("user.name"));
        Path dir = Files.createTempDirectory("ironfence-postgres-");
        if (asRoot) {
            run(List.of("chown", "postgres:postgres", dir.toString()), false, binaries);
        }
        int port;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = socket.getLocalPort();
        }
        PostgresServer server = new PostgresServer(dir, binaries, port, asRoot);
        server.pg("initdb", "-D", dir.resolve("data").toString(), "-A", "trust", "-U", "postgres", "-E", "UTF8",
                "--no-sync");
        server.pg("pg_ctl", "-D", dir.resolve("data").toString(), "-l", dir.resolve("server.log").toString(), "-w",
                "-t", "60", "-o", "-p " + port + " -k " + dir + " -c listen_addresses=127.0.0.1 -c fsync=off "
                        + "-c max_connections=300", "start");
        return server;
    }

    /** Restarts the server at once (sessions die as in a crash), on the same port. */
    public void restart() throws IOException, InterruptedException {
        // -l as at the start: else the new server would inherit our output pipe and keep it open.
        pg("pg_ctl", "-D", dir.resolve("data").toString(), "-l", dir.resolve("server.log").toString(), "-m",
                "immediate", "-w", "-t", "60", "restart");
    }

    private void stop() {
        try {
            pg("pg_ctl", "-D", dir.resolve("data").toString(), "-m", "immediate", "-w", "stop");
        } catch (Exception e) {
            // the JVM is ending: nothing more to do
        }
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        } catch (IOException e) {
            // left behind in the temporary directory
        }
    }

    private void pg(String tool, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(binaries.resolve(tool).toString());
        command.addAll(List.of(args));
        run(command, asRoot, binaries);
    }

    private static void run(List<String> command, boolean asPostgres, Path binaries) throws IOException, InterruptedException {
        List<String> full = new ArrayList<>();
        if (asPostgres) {
            full.addAll(List.of("runuser", "-u", "postgres", "--"));
        }
        full.addAll(command);
        Process process = new ProcessBuilder(full).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(120, TimeUnit.SECONDS) || process.exitValue() != 0) {
            throw new IllegalStateException(String.join(" ", full) + " failed: " + output.strip());
        }
    }

    private static Optional<Path> findBinaries() throws IOException {
        Path debian = Path.of("/usr/lib/postgresql");
        if (Files.isDirectory(debian)) {
            try (Stream<Path> versions = Files.list(debian)) {
                Optional<Path> newest = versions.map(version -> version.resolve("bin"))
                        .filter(bin -> Files.isExecutable(bin.resolve("initdb")) && Files.isExecutable(bin.resolve("pg_ctl")))
                        .max(Comparator.comparing(bin -> versionOf(bin.getParent())));
                if (newest.isPresent()) {
                    return newest;
                }
            }
        }
        String path = System.getenv("PATH");
        for (String entry : path == null ? new String[0] : path.split(java.io.File.pathSeparator)) {
            Path bin = Path.of(entry);
            if (Files.isExecutable(bin.resolve("initdb")) && Files.isExecutable(bin.resolve("pg_ctl"))) {
                return Optional.of(bin);
            }
        }
        return Optional.empty();
    }

    private static int versionOf(Path versionDir) {
        try {
            return Integer.parseInt(versionDir.getFileName().toString());
        } catch (NumberFormatException e) {
            return 0;
        }
    }
}
