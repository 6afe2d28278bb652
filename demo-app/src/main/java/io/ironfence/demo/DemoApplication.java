package io.ironfence.demo;

import io.ironfence.Mutex;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.annotation.Bean;

/**
 * The IronFence demo: a small shop whose catalogue, customers' orders, ledger and shipping are
 * guarded by IronFence locks, with a load generator and a live lock dashboard at {@code /}.
 */
@SpringBootApplication
public class DemoApplication {

    public static void main(String[] args) {
        SpringApplication.run(DemoApplication.class, args);
    }

    /** A lock the application declares itself: it joins the registry, metrics and endpoint as "ledger". */
    @Bean
    Mutex<long[]> ledger() {
        return Mutex.named("ledger", new long[1]);
    }
}
