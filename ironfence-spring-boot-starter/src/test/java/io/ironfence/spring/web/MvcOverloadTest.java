package io.ironfence.spring.web;

import io.ironfence.LockTimeoutException;
import io.ironfence.Mutex;
import io.ironfence.MutexGuard;
import io.ironfence.spring.NamedLockRegistry;

import com.jayway.jsonpath.JsonPath;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.ControllerAdvice;
import org.springframework.web.bind.annotation.ExceptionHandler;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * Spring MVC on a real server: a lock a request cannot have answers 503 with Retry-After and a
 * problem detail, and an async request that times out withdraws its queued lock request, so its
 * method never runs for a client that has gone.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class MvcOverloadTest {

    static HttpResponse<String> get(int port, String path, Duration timeout) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://localhost:" + port + path)).timeout(timeout).build();
        return HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.ofString());
    }

    @Nested
    @SpringBootTest(classes = ShippingApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
            properties = {"ironfence.locks.shipping.max-waiting=1", "spring.mvc.async.request-timeout=500ms",
                    "ironfence.web.retry-after=2s"})
    class Answers503 {

        @LocalServerPort
        int port;

        @Autowired
        ShippingService shipping;

        @Autowired
        NamedLockRegistry locks;

        @Test
        void aTimedOutLockIs503WithRetryAfterAndAProblemDetail() throws Exception {
            Mutex<Object> slow = locks.getMutex("slow");
            try (MutexGuard<Object> held = slow.lockAsync().join()) {
                HttpResponse<String> response = get(port, "/quote", Duration.ofSeconds(10));
                assertThat(response.statusCode()).isEqualTo(503);
                assertThat(response.headers().firstValue("Retry-After")).contains("2");
                assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(
                        type -> assertThat(type).startsWith("application/problem+json"));
                assertThat(JsonPath.<Integer>read(response.body(), "$.status")).isEqualTo(503);
                assertThat(JsonPath.<String>read(response.body(), "$.reason")).isEqualTo("timeout");
                assertThat(response.body()).doesNotContain("slow").doesNotContain("ShippingService"); // internals stay inside
            }
            assertThat(get(port, "/quote", Duration.ofSeconds(10)).statusCode()).isEqualTo(200);
        }

        @Test
        void aFullQueueIs503AtOnceAndTheQueuedRequestIsWithdrawnWhenItsAsyncRequestTimesOut() throws Exception {
            Mutex<Object> lock = locks.getMutex("shipping");
            int before = shipping.bodies();
            MutexGuard<Object> held = lock.lockAsync().join();
            CompletableFuture<HttpResponse<String>> queued = HttpClient.newHttpClient().sendAsync(
                    HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/ship/first")).build(),
                    HttpResponse.BodyHandlers.ofString());
            await().atMost(Duration.ofSeconds(10)).until(() -> lock.getQueueLength() == 1);

            HttpResponse<String> rejected = get(port, "/ship/second", Duration.ofSeconds(10));
            assertThat(rejected.statusCode()).isEqualTo(503);
            assertThat(rejected.headers().firstValue("Retry-After")).contains("2");
            assertThat(JsonPath.<String>read(rejected.body(), "$.reason")).isEqualTo("queue-full");

            // spring.mvc.async.request-timeout ends the first request (Spring answers 503 itself)...
            assertThat(queued.get(10, TimeUnit.SECONDS).statusCode()).isEqualTo(503);
            // ...and its lock request has left the queue with it: nothing waits for a gone exchange.
            await().atMost(Duration.ofSeconds(5)).until(() -> lock.getQueueLength() == 0);
            held.close();
            assertThat(shipping.bodies() - before).isZero();
            assertThat(get(port, "/ship/now", Duration.ofSeconds(10)).body()).isEqualTo("BOOKED NOW");
            assertThat(shipping.bodies() - before).isEqualTo(1);
        }

        @Test
        void aClientThatHangsUpCostsNoBodyOnceItsAsyncRequestHasTimedOut() throws Exception {
            Mutex<Object> lock = locks.getMutex("shipping");
            int before = shipping.bodies();
            try (MutexGuard<Object> held = lock.lockAsync().join()) {
                assertThatThrownBy(() -> get(port, "/ship/gone", Duration.ofMillis(100)))
                        .isInstanceOf(HttpTimeoutException.class);
                await().atMost(Duration.ofSeconds(10)).until(() -> lock.getQueueLength() == 1);
                await().atMost(Duration.ofSeconds(5)).until(() -> lock.getQueueLength() == 0);
            }
            assertThat(lock.isLocked()).isFalse();
            assertThat(shipping.bodies() - before).isZero();
        }
    }

    /** The application's own handler for the exception: the starter's answer backs off. */
    @ControllerAdvice
    static class OwnHandler {
        @ExceptionHandler(LockTimeoutException.class)
        ResponseEntity<String> busy(LockTimeoutException e) {
            return ResponseEntity.status(HttpStatus.TOO_MANY_REQUESTS).body("our own answer");
        }
    }

    @Nested
    @SpringBootTest(classes = {ShippingApplication.class, OwnHandler.class},
            webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
    class ApplicationHandler {

        @LocalServerPort
        int port;

        @Autowired
        NamedLockRegistry locks;

        @Test
        void theApplicationsOwnMappingWins() throws Exception {
            try (MutexGuard<Object> held = locks.getMutex("slow").lockAsync().join()) {
                HttpResponse<String> response = get(port, "/quote", Duration.ofSeconds(10));
                assertThat(response.statusCode()).isEqualTo(429);
                assertThat(response.body()).isEqualTo("our own answer");
            }
        }
    }
}
