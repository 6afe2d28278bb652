package io.ironfence.spring.web;

import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RestController;
import reactor.core.publisher.Mono;

import java.util.concurrent.CompletableFuture;

/** The endpoints of {@link ShippingApplication}: a derived future, a Mono, and a blocking call. */
@RestController
class ShippingController {
    private final ShippingService shipping;

    ShippingController(ShippingService shipping) {
        this.shipping = shipping;
    }

    @GetMapping("/ship/{id}")
    CompletableFuture<String> ship(@PathVariable String id) {
        return shipping.book(id).thenApply(String::toUpperCase); // derived: Spring never sees the locked call
    }

    @GetMapping("/ship-reactive/{id}")
    Mono<String> shipReactive(@PathVariable String id) {
        return shipping.bookReactive(id);
    }

    @GetMapping("/quote")
    String quote() {
        return shipping.quote();
    }
}
