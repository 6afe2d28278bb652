package io.ironfence.spring.web;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RestController;
import reactor.core.publisher.Mono;

import java.util.concurrent.CompletableFuture;

/** A web application (servlet or reactive, as the test says) in front of {@link ShippingService}. */
@SpringBootConfiguration
@EnableAutoConfiguration
class ShippingApplication {

    @Bean
    ShippingService shippingService() {
        return new ShippingService();
    }

    @Bean
    ShippingController shippingController(ShippingService shipping) {
        return new ShippingController(shipping);
    }

    @RestController
    static class ShippingController {
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
}
