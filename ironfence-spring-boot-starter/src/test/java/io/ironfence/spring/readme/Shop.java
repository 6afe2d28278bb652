package io.ironfence.spring.readme;

// README:BEGIN
import io.ironfence.annotation.ReadLocked;
import io.ironfence.annotation.WithLock;

import org.springframework.stereotype.Service;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

@Service
public class Shop {

    private final Map<String, Integer> stock = new HashMap<>();                   // guarded by "inventory"
    private final Map<String, List<String>> carts = new ConcurrentHashMap<>();    // each by its customer's lock

    @ReadLocked("inventory")                                          // many readers at once
    public int stock(String sku) {
        return stock.getOrDefault(sku, 0);
    }

    @WithLock("inventory")                                            // one writer, no readers
    public void restock(String sku, int quantity) {
        stock.merge(sku, quantity, Integer::sum);
    }

    @WithLock(value = "customer", key = "#customerId", timeout = "2s")   // one lock per customer
    public int addToCart(String customerId, String sku) {
        List<String> cart = carts.computeIfAbsent(customerId, id -> new ArrayList<>());
        cart.add(sku);
        return cart.size();
    }

    @WithLock(value = "customer", key = "#customerId")                // held until the future completes
    public CompletableFuture<List<String>> checkout(String customerId) {
        return CompletableFuture.supplyAsync(() -> carts.remove(customerId));
    }
}
// README:END
