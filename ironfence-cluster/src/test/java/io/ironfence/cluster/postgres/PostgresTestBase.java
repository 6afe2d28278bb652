package io.ironfence.cluster.postgres;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;

/**
 * What every test against the real server needs: the server, engines that stand for instances of
 * a service (each with its own sessions and instance id, closed after the test), and the check
 * that nothing is left locked.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
abstract class PostgresTestBase {

    static PostgresServer server;

    private final List<PostgresLockEngine> engines = new ArrayList<>();
    /** Makes the test's instance ids, keys and tables its own. */
    final String run = UUID.randomUUID().toString().substring(0, 8);

    @BeforeAll
    static void startServer() {
        server = PostgresServer.get();
        Awaitility.setDefaultPollInterval(Duration.ofMillis(10)); // rounds wait for the server often
    }

    @AfterEach
    void closeEngines() {
        engines.forEach(PostgresLockEngine::close);
        await().atMost(Duration.ofSeconds(10)).until(() -> server.advisoryLocks() == 0);
    }

    /** @return the engine of a new instance named {@code name} (plus the run id) */
    PostgresLockEngine engine(String name) {
        PostgresLockEngine engine = new PostgresLockEngine(PostgresLockEngine.Settings.of(server.url(), server.username(), null)
                .withInstanceId(name + "-" + run).withHeartbeat(Duration.ofMillis(200)));
        engines.add(engine);
        return engine;
    }

    /** @return the engine of a new instance, counting its remote requests */
    CountingEngine countingEngine(String name) {
        return new CountingEngine(engine(name));
    }
}
