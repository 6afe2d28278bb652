package io.ironfence.demo;

import com.jayway.jsonpath.JsonPath;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** The shop's endpoints under concurrent clients: nothing lost, every invariant holds. */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ShopApiTest {

    private static final int CLIENTS = 8;
    private static final int CALLS = 100;

    @LocalServerPort
    int port;

    private List<Integer> concurrently(Call call) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(CLIENTS);
        try {
            List<Future<Integer>> results = new ArrayList<>();
            for (int c = 0; c < CLIENTS; c++) {
                int client = c;
                results.add(pool.submit(() -> {
                    Http http = new Http(port);
                    int ok = 0;
                    for (int i = 0; i < CALLS; i++) {
                        ok += call.run(http, client) == 200 ? 1 : 0;
                    }
                    return ok;
                }));
            }
            List<Integer> oks = new ArrayList<>();
            for (Future<Integer> f : results) {
                oks.add(f.get());
            }
            return oks;
        } finally {
            pool.shutdownNow();
        }
    }

    interface Call {
        int run(Http http, int client) throws Exception;
    }

    @Test
    void concurrentDepositsAreNeverLost() throws Exception {
        Http http = new Http(port);
        long before = JsonPath.<Number>read(http.get("/api/ledger").body(), "$.balance").longValue();
        assertThat(concurrently((h, c) -> h.post("/api/ledger/deposit/5", "").statusCode()))
                .allSatisfy(ok -> assertThat(ok).isEqualTo(CALLS));
        long after = JsonPath.<Number>read(http.get("/api/ledger").body(), "$.balance").longValue();
        assertThat(after - before).isEqualTo(5L * CLIENTS * CALLS);
    }

    @Test
    void oneCustomersConcurrentOrdersAreAllKept() throws Exception {
        assertThat(concurrently((h, c) -> h.post("/api/customers/ada/orders?sku=apple", "").statusCode()))
                .allSatisfy(ok -> assertThat(ok).isEqualTo(CALLS));
        List<String> orders = JsonPath.read(new Http(port).get("/api/customers/ada/orders").body(), "$");
        assertThat(orders).hasSize(CLIENTS * CALLS).containsOnly("apple");
    }

    @Test
    void restocksUnderConcurrentBrowsingAreAllCounted() throws Exception {
        Http http = new Http(port);
        int before = figStock(http);
        assertThat(concurrently((h, c) -> (c % 2 == 0 ? h.get("/api/catalogue")
                : h.post("/api/catalogue/fig/restock?quantity=1", "")).statusCode()))
                .allSatisfy(ok -> assertThat(ok).isEqualTo(CALLS));
        int after = figStock(http);
        assertThat(after - before).isEqualTo(CLIENTS / 2 * CALLS);
    }

    private static int figStock(Http http) throws Exception {
        List<Integer> stock = JsonPath.read(http.get("/api/catalogue").body(), "$[?(@.sku == 'fig')].stock");
        return stock.get(0);
    }

    @Test
    void shippingIsBookedAsynchronously() throws Exception {
        List<Integer> oks = concurrently((h, c) -> h.post("/api/customers/c" + c + "/shipping", "").statusCode());
        assertThat(oks).allSatisfy(ok -> assertThat(ok).isEqualTo(CALLS));
        assertThat(new Http(port).post("/api/customers/ada/shipping", "").body()).contains("slot-");
    }

    @Test
    void theLoadGeneratorRejectsBadSettingsClearly() throws Exception {
        var response = new Http(port).post("/api/load/start",
                "{\"clients\": 0, \"readPercent\": 90, \"thinkMillis\": 1, \"catalogueAsMutex\": false}");
        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(response.body()).contains("clients must be between 1 and 64");
        var empty = new Http(port).post("/api/load/start", "{}");
        assertThat(empty.statusCode()).isEqualTo(400);
        assertThat(empty.body()).contains("clients is missing").contains("readPercent is missing")
                .contains("thinkMillis is missing");
    }

    @Test
    void aDepositMustBePositive() throws Exception {
        var response = new Http(port).post("/api/ledger/deposit/-5", "");
        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(response.body()).contains("cents must be a positive number of cents");
        assertThat(new Http(port).post("/api/ledger/deposit/0", "").statusCode()).isEqualTo(400);
    }
}
