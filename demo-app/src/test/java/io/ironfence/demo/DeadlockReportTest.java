package io.ironfence.demo;

import com.jayway.jsonpath.JsonPath;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The demo's deliberate deadlock is reported by the locks endpoint (the dashboard's red banner), then ends. */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class DeadlockReportTest {

    @LocalServerPort
    int port;

    @Test
    void theDeadlockIsShownWithThreadsLocksAndMethodsUntilItsTimeoutsEndIt() throws Exception {
        Http http = new Http(port);
        assertThat(http.post("/api/deadlock", "").statusCode()).isEqualTo(202);
        await().atMost(Duration.ofSeconds(9)).until(() -> !deadlocks(http).isEmpty());
        List<List<Map<String, Object>>> cycles = deadlocks(http);
        assertThat(cycles).hasSize(1);
        assertThat(cycles.get(0)).extracting(thread -> thread.get("waitsFor")).containsExactlyInAnyOrder("accounts", "audit");
        assertThat(cycles.get(0)).extracting(thread -> thread.get("thread").toString())
                .allSatisfy(name -> assertThat(name).startsWith("demo-deadlock-"));
        assertThat(cycles.get(0).toString()).contains("Deadlocks.transfer").contains("Deadlocks.reconcile");
        await().atMost(Duration.ofSeconds(30)).until(() -> deadlocks(http).isEmpty()); // the 10 s timeouts end it
    }

    private static List<List<Map<String, Object>>> deadlocks(Http http) throws Exception {
        return JsonPath.read(http.get("/actuator/locks").body(), "$.deadlocks");
    }
}
