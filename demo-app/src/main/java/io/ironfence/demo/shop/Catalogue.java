package io.ironfence.demo.shop;

import io.ironfence.annotation.ReadLocked;
import io.ironfence.annotation.WithLock;

import org.springframework.stereotype.Service;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.LockSupport;

/**
 * The product catalogue: read on every page view, restocked now and then. Browsing takes the
 * {@code catalogue} read-write lock's read lock, so shoppers browse side by side; a restock takes
 * the write lock. The same catalogue can also be served under a {@code catalogue-as-mutex} mutex
 * (the dashboard's switch), where every browse waits for every other one.
 */
@Service
public class Catalogue {

    /** Simulated work of rendering a catalogue page (a template, a cache look-up): 200 µs. */
    private static final long BROWSE_NANOS = 200_000;

    private final Map<String, Product> products = new LinkedHashMap<>();   // guarded by the catalogue locks

    public record Product(String sku, String name, long priceCents, int stock) {
    }

    public Catalogue() {
        for (String[] p : new String[][] {{"apple", "Apple"}, {"pear", "Pear"}, {"plum", "Plum"}, {"fig", "Fig"}}) {
            products.put(p[0], new Product(p[0], p[1], 99, 100));
        }
    }

    @ReadLocked("catalogue")
    public List<Product> browse() {
        return render();
    }

    @WithLock("catalogue")
    public Product restock(String sku, int quantity) {
        return add(sku, quantity);
    }

    @WithLock("catalogue-as-mutex")
    public List<Product> browseUnderMutex() {
        return render();
    }

    @WithLock("catalogue-as-mutex")
    public Product restockUnderMutex(String sku, int quantity) {
        return add(sku, quantity);
    }

    private List<Product> render() {
        LockSupport.parkNanos(BROWSE_NANOS);
        return new ArrayList<>(products.values());
    }

    private Product add(String sku, int quantity) {
        Product p = products.get(sku);
        if (p == null) {
            throw new IllegalArgumentException("Unknown product: " + sku);
        }
        Product restocked = new Product(sku, p.name(), p.priceCents(), p.stock() + quantity);
        products.put(sku, restocked);
        return restocked;
    }
}
