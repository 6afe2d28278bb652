package io.ironfence.cluster.postgres;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Two instances (JVMs of their own, {@link ChaosInstance}) under load on one cluster lock while
 * their sessions are killed with {@code pg_terminate_backend}, one instance is killed with
 * {@code kill -9} and started again, and PostgreSQL restarts once. The ledger the instances keep
 * in the database says what happened; the lock must never let two holders that believe they hold
 * it overlap, and every lost hold must be told to its holder.
 * <p>
 * Short form (CI): 20 s. Long form by hand: {@code -Dironfence.chaos.seconds=300}.
 */
@Tag("slow")
@Timeout(value = 15, unit = TimeUnit.MINUTES)
class ChaosTest extends PostgresTestBase {

    private static final int THREADS = 4;
    private static final int KEYS = 4;

    @Test
    void noTwoHoldersAtOnceThatWereNotToldOfALoss() throws Exception {
        int seconds = Integer.getInteger("ironfence.chaos.seconds", 20);
        String ledger = "chaos_" + run;
        createLedger(ledger);
        List<Process> children = new ArrayList<>();
        AtomicReference<Process> instanceB = new AtomicReference<>();
        Process a = start(ledger, "chaos-a-" + run, seconds);
        instanceB.set(start(ledger, "chaos-b-" + run, seconds));
        children.add(a);
        children.add(instanceB.get());
        AtomicInteger terminations = new AtomicInteger();
        ScheduledExecutorService chaos = Executors.newSingleThreadScheduledExecutor();
        try {
            long period = 700;
            chaos.scheduleWithFixedDelay(() -> {
                String victim = ThreadLocalRandom.current().nextBoolean() ? "chaos-a-" + run
                        : instanceB.get() == children.get(1) ? "chaos-b-" + run : "chaos-b2-" + run;
                try {
                    terminations.addAndGet((int) server.terminateSessionsOf(victim));
                } catch (SQLException e) {
                    // the server is restarting: the next round kills again
                }
            }, period, period, TimeUnit.MILLISECONDS);
            CompletableFuture<Void> killAndRestart = new CompletableFuture<>();
            chaos.schedule(() -> {
                try {
                    instanceB.get().destroyForcibly().waitFor(); // SIGKILL: no release, no shutdown hook
                    Process restarted = start(ledger, "chaos-b2-" + run, seconds - seconds / 4);
                    children.add(restarted);
                    instanceB.set(restarted);
                    killAndRestart.complete(null);
                } catch (Exception e) {
                    killAndRestart.completeExceptionally(e);
                }
            }, seconds * 1000L / 4, TimeUnit.MILLISECONDS);
            CompletableFuture<Void> serverRestart = new CompletableFuture<>();
            chaos.schedule(() -> {
                try {
                    server.restart();
                    serverRestart.complete(null);
                } catch (Exception e) {
                    serverRestart.completeExceptionally(e);
                }
            }, seconds * 1000L / 2, TimeUnit.MILLISECONDS);
            killAndRestart.get(seconds + 60, TimeUnit.SECONDS);
            serverRestart.get(seconds + 60, TimeUnit.SECONDS);
            for (Process child : List.copyOf(children)) {
                assertThat(child.waitFor(seconds + 120, TimeUnit.SECONDS)).as("instance ends by itself").isTrue();
            }
        } finally {
            chaos.shutdownNow();
            children.forEach(Process::destroyForcibly);
        }
        await().atMost(Duration.ofSeconds(20)).until(() -> server.advisoryLocks() == 0);
        for (String instance : List.of("chaos-a-" + run, "chaos-b-" + run, "chaos-b2-" + run)) {
            assertThat(server.sessionsOf(instance)).as("sessions left by %s", instance).isZero();
        }
        Ledger result = Ledger.read(server, ledger);
        System.out.println("CHAOS " + seconds + " s, 2 instances x " + THREADS + " threads, " + KEYS + " keys, "
                + terminations.get() + " sessions terminated, one kill -9 and restart, one server restart: " + result);
        assertThat(result.acquisitions).as("holds written down").isGreaterThan(50);
        assertThat(result.twoIntactAtOnce).as("overlapping holds of which neither holder was told of a loss")
                .isZero();
    }

    private Process start(String ledger, String instanceId, int seconds) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process child = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                ChaosInstance.class.getName(), server.url(), server.username(), ledger, instanceId,
                Integer.toString(seconds), Integer.toString(THREADS), Integer.toString(KEYS))
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.PIPE).start();
        BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
        List<String> lines = new ArrayList<>();
        for (String line = out.readLine(); line != null && !line.equals("STARTED"); line = out.readLine()) {
            lines.add(line);
        }
        assertThat(child.isAlive()).as("instance %s started; its output: %s", instanceId, lines).isTrue();
        // Drain its output (ERROR logs of every loss) so that it never blocks on a full pipe.
        Thread drain = new Thread(() -> out.lines().forEach(line -> { }), instanceId + "-output");
        drain.setDaemon(true);
        drain.start();
        return child;
    }

    private void createLedger(String ledger) throws SQLException {
        try (Connection c = server.connect(); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE " + ledger + "_resource (k int PRIMARY KEY, last_token bigint NOT NULL DEFAULT 0, "
                    + "writes bigint NOT NULL DEFAULT 0)");
            s.execute("INSERT INTO " + ledger + "_resource (k) SELECT generate_series(0, " + (KEYS - 1) + ")");
            s.execute("CREATE TABLE " + ledger + "_events (id bigserial PRIMARY KEY, instance text NOT NULL, "
                    + "k int NOT NULL, token bigint NOT NULL, started timestamptz NOT NULL, ended timestamptz, "
                    + "accepted boolean, valid_at_end boolean, intact boolean)");
        }
    }

    /**
     * What the ledger says, summed over both instances (the killed one's rows included).
     *
     * @param acquisitions         holds written down
     * @param complete             holds whose release was written down (the others were cut by kill -9 or the restart)
     * @param lossesSeenInBody     holds whose guard said invalid before the body ended (the heartbeat saw it)
     * @param lossesFoundAtRelease holds whose release found them lost (every loss, those seen in the body included)
     * @param writesRejected       protected writes the resource refused for an old fencing token
     * @param overlapping          pairs of holds of one key that overlapped in time: the lock went to one while
     *                             the other's lost hold had not been noticed yet (by heartbeat or release)
     * @param twoIntactAtOnce      of those, pairs in which neither holder was told of a loss: both believed they
     *                             held the lock at once, and one of them was never told otherwise (a missed loss)
     */
    record Ledger(long acquisitions, long complete, long lossesSeenInBody, long lossesFoundAtRelease,
            long writesRejected, long overlapping, long twoIntactAtOnce) {

        static Ledger read(PostgresServer server, String ledger) throws SQLException {
            String events = ledger + "_events";
            String overlap = " FROM " + events + " a JOIN " + events + " b ON a.k = b.k AND a.id <> b.id "
                    + "AND a.started < b.ended AND b.started < a.ended ";
            try (Connection c = server.connect()) {
                return new Ledger(
                        count(c, "SELECT count(*) FROM " + events),
                        count(c, "SELECT count(*) FROM " + events + " WHERE intact IS NOT NULL"),
                        count(c, "SELECT count(*) FROM " + events + " WHERE valid_at_end = false"),
                        count(c, "SELECT count(*) FROM " + events + " WHERE intact = false"),
                        count(c, "SELECT count(*) FROM " + events + " WHERE accepted = false"),
                        // Either of two overlapping holds may be the stale one: a hold passed on locally
                        // after its session died can begin after the new holder on another instance.
                        count(c, "SELECT count(*)" + overlap + "WHERE a.id < b.id"),
                        count(c, "SELECT count(*)" + overlap + "WHERE a.intact AND b.intact AND a.id < b.id"));
            }
        }

        private static long count(Connection c, String sql) throws SQLException {
            try (Statement s = c.createStatement(); ResultSet r = s.executeQuery(sql)) {
                r.next();
                return r.getLong(1);
            }
        }
    }
}
