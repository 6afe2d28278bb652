package io.ironfence.demo.shop;

import io.ironfence.annotation.WithLock;

import org.springframework.stereotype.Service;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Books a slot with the (simulated) courier: asynchronous, and the {@code shipping} lock is held
 * until the booking completes, without a thread waiting for it.
 */
@Service
public class Shipping {

    private static final Executor COURIER = CompletableFuture.delayedExecutor(5, TimeUnit.MILLISECONDS);

    private final AtomicLong booked = new AtomicLong();

    @WithLock("shipping")
    public CompletableFuture<String> book(String customerId) {
        return CompletableFuture.supplyAsync(() -> "slot-" + booked.incrementAndGet() + " for " + customerId, COURIER);
    }

    public long booked() {
        return booked.get();
    }
}
