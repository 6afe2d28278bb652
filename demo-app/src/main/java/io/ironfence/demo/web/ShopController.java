package io.ironfence.demo.web;

import io.ironfence.demo.load.LoadGenerator;
import io.ironfence.demo.shop.Catalogue;
import io.ironfence.demo.shop.Deadlocks;
import io.ironfence.demo.shop.Ledger;
import io.ironfence.demo.shop.Orders;
import io.ironfence.demo.shop.Payouts;
import io.ironfence.demo.shop.Shipping;

import jakarta.validation.Valid;
import jakarta.validation.constraints.Positive;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.http.converter.HttpMessageNotReadableException;
import org.springframework.web.bind.MethodArgumentNotValidException;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.method.annotation.HandlerMethodValidationException;

import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/** The shop's HTTP API and the load generator's controls. */
@RestController
@RequestMapping("/api")
class ShopController {

    private final Catalogue catalogue;
    private final Orders orders;
    private final Ledger ledger;
    private final Shipping shipping;
    private final LoadGenerator load;
    private final ObjectProvider<Payouts> payouts;
    private final Duration asyncRequestTimeout;
    private final Deadlocks deadlocks;

    ShopController(Catalogue catalogue, Orders orders, Ledger ledger, Shipping shipping, LoadGenerator load,
            ObjectProvider<Payouts> payouts,
            @Value("${spring.mvc.async.request-timeout:30s}") Duration asyncRequestTimeout, Deadlocks deadlocks) {
        this.asyncRequestTimeout = asyncRequestTimeout;
        this.deadlocks = deadlocks;
        this.payouts = payouts;
        this.catalogue = catalogue;
        this.orders = orders;
        this.ledger = ledger;
        this.shipping = shipping;
        this.load = load;
    }

    /** The payouts table every instance writes (cluster profile); 404 when the shop runs alone. */
    @GetMapping("/payouts")
    ResponseEntity<Payouts.Status> payouts() throws SQLException {
        Payouts service = payouts.getIfAvailable();
        return service == null ? ResponseEntity.notFound().build() : ResponseEntity.ok(service.status());
    }

    @GetMapping("/catalogue")
    List<Catalogue.Product> catalogue() {
        return catalogue.browse();
    }

    @PostMapping("/catalogue/{sku}/restock")
    Catalogue.Product restock(@PathVariable String sku, @RequestParam(defaultValue = "1") int quantity) {
        return catalogue.restock(sku, quantity);
    }

    @PostMapping("/customers/{customerId}/orders")
    Map<String, Object> order(@PathVariable String customerId, @RequestParam String sku) {
        return Map.of("customer", customerId, "orders", orders.place(customerId, sku));
    }

    @GetMapping("/customers/{customerId}/orders")
    List<String> orders(@PathVariable String customerId) {
        return orders.of(customerId);
    }

    @PostMapping("/ledger/deposit/{cents}")
    Map<String, Long> deposit(@PathVariable @Positive(message = "must be a positive number of cents") long cents) {
        return Map.of("balance", ledger.deposit(cents));
    }

    @GetMapping("/ledger")
    Map<String, Long> balance() {
        return Map.of("balance", ledger.balance());
    }

    /**
     * Asynchronous: the request thread is released while the shipping lock is awaited and held.
     * A spike beyond the lock's max-waiting, or a wait beyond its timeout, is answered 503 with
     * Retry-After by the starter; a request that reaches spring.mvc.async.request-timeout first has
     * its queued booking withdrawn.
     */
    @PostMapping("/customers/{customerId}/shipping")
    CompletableFuture<Map<String, String>> ship(@PathVariable String customerId) {
        long requestEndsAt = System.nanoTime() + asyncRequestTimeout.toNanos();
        return shipping.book(customerId, requestEndsAt).thenApply(slot -> Map.of("slot", slot));
    }

    /** Starts a deliberate deadlock (two threads, 10 s until their timeouts end it): the dashboard's red banner. */
    @PostMapping("/deadlock")
    ResponseEntity<Map<String, String>> deadlock() {
        deadlocks.start();
        return ResponseEntity.accepted().body(Map.of("started", "transfer and reconcile, until their 10 s timeouts"));
    }

    /** What the shipping lock cost and shed: for the dashboard and the spike measurement. */
    @GetMapping("/shipping")
    Map<String, Long> shippingStatus() {
        return Map.of("booked", shipping.booked(), "bookedAfterRequestEnded", shipping.bookedAfterRequestEnded());
    }

    @GetMapping("/load")
    LoadGenerator.Status loadStatus() {
        return load.status();
    }

    @PostMapping("/load/start")
    LoadGenerator.Status startLoad(@Valid @RequestBody LoadGenerator.Settings settings) {
        return load.start(settings);
    }

    @PostMapping("/load/stop")
    LoadGenerator.Status stopLoad() {
        return load.stop();
    }

    /** A setting of the request body is missing or out of range: say which, and why. */
    @ExceptionHandler(MethodArgumentNotValidException.class)
    @ResponseStatus(HttpStatus.BAD_REQUEST)
    Map<String, String> invalidBody(MethodArgumentNotValidException e) {
        return error(e.getBindingResult().getFieldErrors().stream()
                .map(field -> field.getField() + " " + field.getDefaultMessage()));
    }

    /** The body is not JSON, or a setting has the wrong type. */
    @ExceptionHandler(HttpMessageNotReadableException.class)
    @ResponseStatus(HttpStatus.BAD_REQUEST)
    Map<String, String> unreadableBody(HttpMessageNotReadableException e) {
        return Map.of("error", "The request body is not valid JSON of the expected settings: "
                + e.getMostSpecificCause().getMessage());
    }

    /** A path or query parameter is out of range. */
    @ExceptionHandler(HandlerMethodValidationException.class)
    @ResponseStatus(HttpStatus.BAD_REQUEST)
    Map<String, String> invalidParameter(HandlerMethodValidationException e) {
        return error(e.getParameterValidationResults().stream().flatMap(result -> result.getResolvableErrors().stream()
                .map(error -> result.getMethodParameter().getParameterName() + " " + error.getDefaultMessage())));
    }

    private static Map<String, String> error(Stream<String> problems) {
        return Map.of("error", problems.sorted().collect(Collectors.joining("; ")));
    }

    @ExceptionHandler(IllegalArgumentException.class)
    @ResponseStatus(HttpStatus.BAD_REQUEST)
    Map<String, String> badRequest(IllegalArgumentException e) {
        return Map.of("error", e.getMessage());
    }
}
