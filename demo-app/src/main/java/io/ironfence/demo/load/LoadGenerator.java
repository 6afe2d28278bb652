package io.ironfence.demo.load;

import io.ironfence.demo.shop.Catalogue;
import io.ironfence.demo.shop.Ledger;
import io.ironfence.demo.shop.Orders;
import io.ironfence.demo.shop.Payouts;
import io.ironfence.demo.shop.Shipping;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.beans.factory.ObjectProvider;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;
import org.springframework.stereotype.Component;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Simulated shoppers, so the dashboard has contention to show without outside tools: each client
 * thread browses the catalogue (reads) or, for the rest, restocks, orders, pays and books
 * shipping (writes), then thinks for a moment. Controlled from the dashboard.
 */
@Component
public class LoadGenerator implements DisposableBean {

    private static final Log logger = LogFactory.getLog(LoadGenerator.class);
    private static final String[] SKUS = {"apple", "pear", "plum", "fig"};

    /**
     * How the shoppers behave.
     *
     * @param clients          concurrent shoppers (1..64)
     * @param readPercent      share of operations that only browse (0..100)
     * @param thinkMillis      pause between a shopper's operations (0..1000)
     * @param catalogueAsMutex serve the catalogue under a mutex instead of the read-write lock
     */
    public record Settings(
            @NotNull(message = "is missing: how many shoppers, 1 to 64")
            @Min(value = 1, message = "must be between 1 and 64") @Max(value = 64, message = "must be between 1 and 64")
            Integer clients,
            @NotNull(message = "is missing: the share of browsing, 0 to 100 (%)")
            @Min(value = 0, message = "must be between 0 and 100") @Max(value = 100, message = "must be between 0 and 100")
            Integer readPercent,
            @NotNull(message = "is missing: the pause between operations, 0 to 1000 (ms)")
            @Min(value = 0, message = "must be between 0 and 1000") @Max(value = 1000, message = "must be between 0 and 1000")
            Integer thinkMillis,
            Boolean catalogueAsMutex) {

        public Settings {
            catalogueAsMutex = Boolean.TRUE.equals(catalogueAsMutex); // optional: the read-write lock
        }
    }

    /** What the dashboard shows of the generator. */
    public record Status(boolean running, Settings settings, long operations, long failures) {
    }

    private final Catalogue catalogue;
    private final Orders orders;
    private final Ledger ledger;
    private final Shipping shipping;
    /** Present in the cluster profile only. */
    private final @Nullable Payouts payouts;
    private final AtomicLong operations = new AtomicLong();
    private final AtomicLong failures = new AtomicLong();
    private final List<Thread> shoppers = new ArrayList<>();
    private volatile Settings settings = new Settings(8, 90, 1, false);
    private volatile boolean running;

    public LoadGenerator(Catalogue catalogue, Orders orders, Ledger ledger, Shipping shipping,
            ObjectProvider<Payouts> payouts) {
        this.payouts = payouts.getIfAvailable();
        this.catalogue = catalogue;
        this.orders = orders;
        this.ledger = ledger;
        this.shipping = shipping;
    }

    /** Starts (or restarts) the shoppers with these settings. */
    public synchronized Status start(Settings newSettings) {
        stop();
        settings = newSettings;
        running = true;
        for (int i = 0; i < newSettings.clients(); i++) {
            Thread shopper = new Thread(this::shop, "shopper-" + (i + 1));
            shopper.setDaemon(true);
            shopper.start();
            shoppers.add(shopper);
        }
        return status();
    }

    /** Stops the shoppers and waits for them to finish their current operation. */
    public synchronized Status stop() {
        running = false;
        for (Thread shopper : shoppers) {
            shopper.interrupt();
        }
        for (Thread shopper : shoppers) {
            try {
                shopper.join(TimeUnit.SECONDS.toMillis(5));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        shoppers.clear();
        return status();
    }

    public Status status() {
        return new Status(running, settings, operations.get(), failures.get());
    }

    @Override
    public void destroy() {
        stop();
    }

    private void shop() {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        while (running) {
            Settings s = settings;
            try {
                if (random.nextInt(100) < s.readPercent()) {
                    if (s.catalogueAsMutex()) {
                        catalogue.browseUnderMutex();
                    } else {
                        catalogue.browse();
                    }
                } else {
                    write(s, random);
                }
                operations.incrementAndGet();
                if (s.thinkMillis() > 0) {
                    TimeUnit.MILLISECONDS.sleep(random.nextInt(s.thinkMillis() + 1)); // a shopper thinking, not synchronization
                }
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                if (running) {
                    failures.incrementAndGet();
                    logger.debug("Shopper operation failed", e);
                }
            }
        }
    }

    private void write(Settings s, ThreadLocalRandom random) throws InterruptedException {
        String sku = SKUS[random.nextInt(SKUS.length)];
        String customer = "customer-" + random.nextInt(50);
        if (payouts != null && random.nextInt(5) == 0) {
            try {
                payouts.pay(1 + random.nextInt(1000)); // across every instance of the shop
            } catch (java.sql.SQLException e) {
                throw new IllegalStateException("Payout failed", e);
            }
            return;
        }
        switch (random.nextInt(4)) {
            case 0 -> {
                if (s.catalogueAsMutex()) {
                    catalogue.restockUnderMutex(sku, 1);
                } else {
                    catalogue.restock(sku, 1);
                }
            }
            case 1 -> orders.place(customer, sku);
            case 2 -> ledger.deposit(99);
            default -> {
                try {
                    shipping.book(customer).get(5, TimeUnit.SECONDS);
                } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
                    throw new IllegalStateException("Shipping failed", e);
                }
            }
        }
    }
}
