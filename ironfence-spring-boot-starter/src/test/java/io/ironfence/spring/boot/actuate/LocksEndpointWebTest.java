package io.ironfence.spring.boot.actuate;

import io.ironfence.annotation.ReadLocked;
import io.ironfence.annotation.WithLock;

import com.jayway.jsonpath.JsonPath;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.micrometer.metrics.test.autoconfigure.AutoConfigureMetrics;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Bean;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** The {@code locks} endpoint and the Prometheus scrape in a running web application. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class LocksEndpointWebTest {

    @SpringBootConfiguration
    @EnableAutoConfiguration
    static class ShopApplication {
        @Bean
        Shop shop() {
            return new Shop();
        }
    }

    public static class Shop {
        @ReadLocked("inventory")
        public int stock() {
            return 3;
        }

        @WithLock(value = "customer", key = "#customerId")
        public void checkout(String customerId, CountDownLatch entered, CountDownLatch leave) throws InterruptedException {
            entered.countDown();
            leave.await(30, TimeUnit.SECONDS);
        }
    }

    static HttpResponse<String> get(int port, String path) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://localhost:" + port + path)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Nested
    @SpringBootTest(classes = ShopApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
            properties = {"management.endpoints.web.exposure.include=locks,prometheus",
                    "ironfence.locks.inventory.type=rwlock", "ironfence.locks.inventory.timeout=2s"})
    @AutoConfigureMetrics
    class Exposed {

        @LocalServerPort
        int port;

        @Autowired
        Shop shop;

        @Test
        void listsEveryLockWithItsCounts() throws Exception {
            shop.stock();
            HttpResponse<String> response = get(port, "/actuator/locks");
            assertThat(response.statusCode()).isEqualTo(200);
            String json = response.body();
            assertThat(JsonPath.<String>read(json, "$.locks.inventory.type")).isEqualTo("rwlock");
            assertThat(JsonPath.<Integer>read(json, "$.locks.inventory.acquisitions")).isPositive();
            assertThat(JsonPath.<Integer>read(json, "$.locks.inventory.holders")).isZero();
            assertThat(JsonPath.<String>read(json, "$.locks.customer.type")).isEqualTo("mutex");
            assertThat(JsonPath.<Object>read(json, "$.locks.customer.oldestHoldMillis")).isNull();
        }

        @Test
        void showsWhoHoldsALockButNeverTheKey() throws Exception {
            CountDownLatch entered = new CountDownLatch(1);
            CountDownLatch leave = new CountDownLatch(1);
            CompletableFuture<Void> holding = CompletableFuture.runAsync(() -> {
                try {
                    shop.checkout("secret-customer-42", entered, leave);
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            });
            try {
                assertThat(entered.await(10, TimeUnit.SECONDS)).isTrue();
                String json = get(port, "/actuator/locks/customer").body();
                assertThat(JsonPath.<Integer>read(json, "$.liveKeys")).isOne();
                assertThat(JsonPath.<Boolean>read(json, "$.keyed")).isTrue();
                assertThat(JsonPath.<Integer>read(json, "$.holders")).isOne();
                List<Map<String, Object>> holders = JsonPath.read(json, "$.currentHolders");
                assertThat(holders).singleElement().satisfies(holder -> {
                    assertThat(holder.get("mode")).isEqualTo("exclusive");
                    assertThat(holder.get("async")).isEqualTo(false);
                    assertThat((String) holder.get("thread")).isNotBlank();
                    assertThat((String) holder.get("method")).contains("Shop.checkout(..)");
                    assertThat(holder.get("since")).isNotNull();
                });
                assertThat(json).doesNotContain("secret-customer-42");
                assertThat(JsonPath.<Integer>read(get(port, "/actuator/locks").body(), "$.locks.customer.oldestHoldMillis"))
                        .isNotNull();
            } finally {
                leave.countDown();
                holding.get();
            }
        }

        @Test
        void answers404ForAnUnknownLock() throws Exception {
            assertThat(get(port, "/actuator/locks/no-such-lock").statusCode()).isEqualTo(404);
        }

        @Test
        void prometheusScrapesTheLockMeters() throws Exception {
            shop.stock();
            String scrape = get(port, "/actuator/prometheus").body();
            assertThat(scrape).contains("ironfence_lock_wait_seconds_count{lock=\"inventory\",mode=\"shared\",outcome=\"acquired\"}")
                    .contains("ironfence_lock_held_seconds_count{lock=\"inventory\",mode=\"shared\"}")
                    .contains("ironfence_lock_contended_total{lock=\"customer\",mode=\"exclusive\"}")
                    .contains("ironfence_lock_waiting{lock=\"customer\"}")
                    .contains("ironfence_lock_holders{lock=\"inventory\"}");
        }
    }

    @Nested
    @SpringBootTest(classes = ShopApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
    class NotExposedByDefault {

        @LocalServerPort
        int port;

        @Test
        void isNotExposedOverHttpUnlessIncluded() throws Exception {
            assertThat(get(port, "/actuator/locks").statusCode()).isEqualTo(404);
            assertThat(get(port, "/actuator/health").statusCode()).isEqualTo(200);
        }
    }
}
