package io.ironfence.spring.web;

import io.ironfence.annotation.WithLock;

import reactor.core.publisher.Mono;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

/** A service behind web endpoints; it counts the bodies that ran. */
public class ShippingService {

    private final AtomicInteger bodies = new AtomicInteger();

    public int bodies() {
        return bodies.get();
    }

    @WithLock("shipping")
    public CompletableFuture<String> book(String id) {
        bodies.incrementAndGet();
        return CompletableFuture.completedFuture("booked " + id);
    }

    @WithLock("shipping")
    public Mono<String> bookReactive(String id) {
        return Mono.fromSupplier(() -> {
            bodies.incrementAndGet();
            return "booked " + id;
        });
    }

    @WithLock(value = "slow", timeout = "50ms")
    public String quote() {
        bodies.incrementAndGet();
        return "quote";
    }
}
