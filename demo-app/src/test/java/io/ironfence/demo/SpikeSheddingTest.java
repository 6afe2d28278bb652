package io.ironfence.demo;

import io.ironfence.Mutex;
import io.ironfence.MutexGuard;
import io.ironfence.spring.NamedLockRegistry;

import com.jayway.jsonpath.JsonPath;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The shop sheds a shipping spike instead of queueing it without end: beyond max-waiting (50) a
 * booking is answered 503 with Retry-After at once, and the load generator's impatient clients
 * never leave work behind for requests that have ended.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class SpikeSheddingTest {

    @LocalServerPort
    int port;

    @Autowired
    NamedLockRegistry locks;

    @Test
    void bookingsBeyondTheQueueBoundAre503AtOnce() throws Exception {
        Mutex<Object> shipping = locks.getMutex("shipping");
        long rejectedBefore = rejections();
        HttpClient client = HttpClient.newHttpClient();
        List<CompletableFuture<HttpResponse<String>>> queued = new ArrayList<>();
        try (MutexGuard<Object> courierBusy = shipping.lockAsync().join()) {
            for (int i = 0; i < 50; i++) {
                queued.add(client.sendAsync(booking("queued-" + i, Duration.ofSeconds(30)), HttpResponse.BodyHandlers.ofString()));
            }
            await().atMost(Duration.ofSeconds(20)).until(() -> shipping.getQueueLength() == 50);
            HttpResponse<String> shed = client.send(booking("one-too-many", Duration.ofSeconds(30)),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(shed.statusCode()).isEqualTo(503);
            assertThat(shed.headers().firstValue("Retry-After")).contains("1");
            assertThat(JsonPath.<String>read(shed.body(), "$.reason")).isEqualTo("queue-full");
        }
        for (CompletableFuture<HttpResponse<String>> each : queued) {
            assertThat(each.get(30, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
        }
        assertThat(rejections() - rejectedBefore).isEqualTo(1);
    }

    private long rejections() throws Exception {
        return JsonPath.<Number>read(new Http(port).get("/actuator/locks/shipping").body(), "$.rejections").longValue();
    }

    @Test
    void impatientClientsOfTheLoadGeneratorAreShedAndLeaveNoWorkForEndedRequests() throws Exception {
        Http http = new Http(port);
        Mutex<Object> shipping = locks.getMutex("shipping");
        AtomicInteger peak = new AtomicInteger();
        http.post("/api/load/start", "{\"clients\":2,\"readPercent\":50,\"thinkMillis\":1,\"hangUpClients\":4}");
        try {
            await().atMost(Duration.ofSeconds(60)).until(() -> {
                peak.accumulateAndGet(shipping.getQueueLength(), Math::max);
                String status = http.get("/api/load").body();
                return JsonPath.<Number>read(status, "$.hungUp").longValue() > 200
                        && JsonPath.<Number>read(status, "$.operations").longValue() > 200;
            });
        } finally {
            http.post("/api/load/stop", "{}");
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> shipping.getQueueLength() == 0);
        assertThat(peak.get()).isLessThanOrEqualTo(50);
        String counts = http.get("/api/shipping").body();
        assertThat(JsonPath.<Number>read(counts, "$.booked").longValue()).isPositive();
        assertThat(JsonPath.<Number>read(counts, "$.bookedAfterRequestEnded").longValue()).isZero();
        assertThat(shipping.isLocked()).isFalse();
    }

    private HttpRequest booking(String customer, Duration timeout) {
        return HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/api/customers/" + customer + "/shipping"))
                .timeout(timeout).POST(HttpRequest.BodyPublishers.noBody()).build();
    }
}
