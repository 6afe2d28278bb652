package io.ironfence.demo;

import io.ironfence.Mutex;
import io.ironfence.MutexGuard;

import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RestController;

import java.util.Map;

/** A ledger balance behind a {@link Mutex}: the smallest useful thing the demo can show until its issue lands. */
@RestController
class LedgerController {

    private final Mutex<long[]> balance = Mutex.named("ledger", new long[1]);

    @PostMapping("/ledger/deposit/{cents}")
    Map<String, Long> deposit(@PathVariable long cents) {
        try (MutexGuard<long[]> g = balance.lock()) {
            g.get()[0] += cents;
            return Map.of("balance", g.get()[0]);
        }
    }

    @GetMapping("/ledger")
    Map<String, Long> balance() {
        try (MutexGuard<long[]> g = balance.lock()) {
            return Map.of("balance", g.get()[0]);
        }
    }
}
