package io.ironfence.demo.shop;

import io.ironfence.annotation.WithLock;

import org.springframework.stereotype.Service;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Each customer's orders, under a lock of the customer's own ({@code customer}, keyed by the
 * customer id): one customer's orders are placed one at a time, different customers never wait
 * for each other.
 */
@Service
public class Orders {

    private final Map<String, List<String>> byCustomer = new ConcurrentHashMap<>();   // each list under its customer's lock

    @WithLock(value = "customer", key = "#customerId")
    public int place(String customerId, String sku) {
        List<String> orders = byCustomer.computeIfAbsent(customerId, id -> new ArrayList<>());
        orders.add(sku);
        return orders.size();
    }

    @WithLock(value = "customer", key = "#customerId")
    public List<String> of(String customerId) {
        return List.copyOf(byCustomer.getOrDefault(customerId, List.of()));
    }
}
