package io.ironfence.spring.web;

import io.ironfence.Mutex;
import io.ironfence.MutexGuard;
import io.ironfence.spring.NamedLockRegistry;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * WebFlux on a real Netty server: a client that disconnects while its request waits for a lock
 * cancels the {@code Mono}, which withdraws the queued lock request; the method never runs. A
 * lock the request cannot have answers 503, as in Spring MVC.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
@SpringBootTest(classes = ShippingApplication.class,
        webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {"spring.main.web-application-type=reactive", "ironfence.locks.shipping.max-waiting=3"})
class WebFluxDisconnectTest {

    @LocalServerPort
    int port;

    @Autowired
    ShippingService shipping;

    @Autowired
    NamedLockRegistry locks;

    @Test
    void aClientThatDisconnectsWithdrawsItsQueuedRequestAndNoBodyRuns() throws Exception {
        Mutex<Object> lock = locks.getMutex("shipping");
        int before = shipping.bodies();
        for (int round = 0; round < 20; round++) {
            try (MutexGuard<Object> held = lock.lockAsync().join()) {
                try (Socket client = new Socket(InetAddress.getLoopbackAddress(), port)) {
                    OutputStream out = client.getOutputStream();
                    out.write(("GET /ship-reactive/gone-" + round + " HTTP/1.1\r\nHost: localhost\r\n\r\n")
                            .getBytes(StandardCharsets.US_ASCII));
                    out.flush();
                    await().atMost(Duration.ofSeconds(10)).until(() -> lock.getQueueLength() == 1);
                } // the client hangs up here, while its request waits for the lock
                await().atMost(Duration.ofSeconds(10)).until(() -> lock.getQueueLength() == 0);
            }
            assertThat(lock.isLocked()).isFalse();
        }
        assertThat(shipping.bodies() - before).isZero();
        assertThat(get("/ship-reactive/here").body()).isEqualTo("booked here");
        assertThat(shipping.bodies() - before).isEqualTo(1);
    }

    @Test
    void aLockTheRequestCannotHaveIs503() throws Exception {
        try (MutexGuard<Object> held = locks.getMutex("slow").lockAsync().join()) {
            HttpResponse<String> response = get("/quote");
            assertThat(response.statusCode()).isEqualTo(503);
            assertThat(response.headers().firstValue("Retry-After")).contains("1");
            assertThat(response.body()).contains("\"status\":503");
        }
    }

    private HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://localhost:" + port + path))
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
    }
}
