package io.ironfence.demo;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

class LedgerControllerTest {

    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void concurrentDepositsAreNeverLost() throws Exception {
        LedgerController ledger = new LedgerController();
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<?>> results = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                results.add(pool.submit(() -> {
                    for (int i = 0; i < 10_000; i++) {
                        ledger.deposit(1);
                    }
                }));
            }
            for (Future<?> f : results) {
                f.get();
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(ledger.balance()).containsEntry("balance", 80_000L);
    }
}
