package io.ironfence.demo;

import io.ironfence.cluster.postgres.PostgresServer;
import io.ironfence.demo.shop.Payouts;

import com.jayway.jsonpath.JsonPath;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.ActiveProfiles;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The shop in the profile cluster-demo.sh starts it with: the payouts lock is cluster-scoped, on a
 * real PostgreSQL, and the dashboard's sources say which instance holds it and the fencing token.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@ActiveProfiles("cluster")
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ClusterProfileTest {

    @DynamicPropertySource
    static void database(DynamicPropertyRegistry properties) {
        PostgresServer server = PostgresServer.get();
        properties.add("ironfence.cluster.url", server::url);
        properties.add("ironfence.cluster.instance-id", () -> "shop-under-test");
    }

    @LocalServerPort
    int port;

    @Autowired
    Payouts payouts;

    @Test
    void payoutsAreLockedAcrossInstancesWithIncreasingFencingTokens() throws Exception {
        Http http = new Http(port);
        long before = JsonPath.<Number>read(http.get("/api/payouts").body(), "$.lastToken").longValue();
        List<CompletableFuture<Boolean>> paid = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            paid.add(CompletableFuture.supplyAsync(() -> {
                try {
                    return payouts.pay(100);
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }));
        }
        for (CompletableFuture<Boolean> payout : paid) {
            assertThat(payout.get(30, TimeUnit.SECONDS)).as("accepted by the fencing check").isTrue();
        }
        String status = http.get("/api/payouts").body();
        assertThat(JsonPath.<Number>read(status, "$.lastToken").longValue()).isGreaterThanOrEqualTo(before + 40);
        assertThat(JsonPath.<String>read(status, "$.lastInstance")).isEqualTo("shop-under-test");
        String lock = http.get("/actuator/locks/payouts").body();
        assertThat(JsonPath.<String>read(lock, "$.scope")).isEqualTo("cluster");
        assertThat(JsonPath.<String>read(lock, "$.remote.instance")).isEqualTo("shop-under-test");
        assertThat(http.get("/actuator/prometheus").body())
                .contains("ironfence_lock_remote_wait_seconds_count{lock=\"payouts\"");
    }
}
