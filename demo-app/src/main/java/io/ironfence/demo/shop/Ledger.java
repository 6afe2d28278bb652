package io.ironfence.demo.shop;

import io.ironfence.Mutex;
import io.ironfence.MutexGuard;

import org.springframework.stereotype.Service;

/**
 * The shop's takings, kept in a {@code Mutex<long[]>} bean named {@code ledger} and used in code,
 * not through an annotation: the value can only be reached through the guard.
 */
@Service("ledgerService")
public class Ledger {

    private final Mutex<long[]> ledger;

    public Ledger(Mutex<long[]> ledger) {
        this.ledger = ledger;
    }

    /** @return the balance after the deposit */
    public long deposit(long cents) {
        try (MutexGuard<long[]> takings = ledger.lock()) {
            takings.get()[0] += cents;
            return takings.get()[0];
        }
    }

    public long balance() {
        try (MutexGuard<long[]> takings = ledger.lock()) {
            return takings.get()[0];
        }
    }
}
