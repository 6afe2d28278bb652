package io.ironfence.demo.load;

import io.ironfence.LockUnavailableException;
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
import org.springframework.core.env.Environment;
import org.springframework.stereotype.Component;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Simulated shoppers, so the dashboard has contention to show without outside tools: each client
 * thread browses the catalogue (reads) or, for the rest, restocks, orders, pays and books
 * shipping (writes), then thinks for a moment. Optionally, impatient HTTP clients book shipping
 * over loopback and hang up after 2 ms, as a traffic spike of clients that time out does. Controlled
 * from the dashboard.
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
     * @param hangUpClients    HTTP clients that book shipping without pause and hang up after 2 ms (0..64)
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
            Boolean catalogueAsMutex,
            @Min(value = 0, message = "must be between 0 and 64") @Max(value = 64, message = "must be between 0 and 64")
            Integer hangUpClients) {

        public Settings {
            catalogueAsMutex = Boolean.TRUE.equals(catalogueAsMutex); // optional: the read-write lock
            hangUpClients = hangUpClients == null ? 0 : hangUpClients; // optional: none
        }

        public Settings(Integer clients, Integer readPercent, Integer thinkMillis, Boolean catalogueAsMutex) {
            this(clients, readPercent, thinkMillis, catalogueAsMutex, 0);
        }
    }

    /**
     * What the dashboard shows of the generator.
     *
     * @param hungUp bookings whose client hung up before the answer
     * @param shed   bookings answered 503 at once or in time (the lock's queue was full, or its wait timed out)
     */
    public record Status(boolean running, Settings settings, long operations, long failures, long hungUp, long shed) {
    }

    /** How long an impatient client waits for its booking before it hangs up. */
    static final Duration HANG_UP_AFTER = Duration.ofMillis(2);

    private final Catalogue catalogue;
    private final Orders orders;
    private final Ledger ledger;
    private final Shipping shipping;
    /** Present in the cluster profile only. */
    private final @Nullable Payouts payouts;
    private final AtomicLong operations = new AtomicLong();
    private final AtomicLong failures = new AtomicLong();
    private final AtomicLong hungUp = new AtomicLong();
    private final AtomicLong shed = new AtomicLong();
    private final Environment environment;
    private final List<Thread> shoppers = new ArrayList<>();
    private volatile Settings settings = new Settings(8, 90, 1, false);
    private volatile boolean running;

    public LoadGenerator(Catalogue catalogue, Orders orders, Ledger ledger, Shipping shipping,
            ObjectProvider<Payouts> payouts, Environment environment) {
        this.payouts = payouts.getIfAvailable();
        this.environment = environment;
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
        if (newSettings.hangUpClients() > 0) {
            URI shipping = URI.create("http://127.0.0.1:" + environment.getProperty("local.server.port", "8080")
                    + "/api/customers/impatient/shipping"); // loopback only
            HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
            for (int i = 0; i < newSettings.hangUpClients(); i++) {
                Thread client = new Thread(() -> hangUp(http, shipping), "impatient-" + (i + 1));
                client.setDaemon(true);
                client.start();
                shoppers.add(client);
            }
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
        return new Status(running, settings, operations.get(), failures.get(), hungUp.get(), shed.get());
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
            } catch (LockUnavailableException e) {
                shed.incrementAndGet(); // the lock shed it: its queue was full, or the wait ran out
            } catch (RuntimeException e) {
                if (running) {
                    failures.incrementAndGet();
                    logger.debug("Shopper operation failed", e);
                }
            }
        }
    }

    /** Books shipping over HTTP again and again, hanging up after {@link #HANG_UP_AFTER}. */
    private void hangUp(HttpClient http, URI shipping) {
        HttpRequest request = HttpRequest.newBuilder(shipping).timeout(HANG_UP_AFTER)
                .POST(HttpRequest.BodyPublishers.noBody()).build();
        while (running) {
            try {
                int status = http.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
                if (status == 503) {
                    shed.incrementAndGet();
                }
                operations.incrementAndGet();
            } catch (HttpTimeoutException e) {
                hungUp.incrementAndGet();
            } catch (InterruptedException e) {
                return;
            } catch (IOException e) {
                if (running) {
                    failures.incrementAndGet();
                    logger.debug("Impatient booking failed", e);
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
                } catch (java.util.concurrent.ExecutionException e) {
                    if (e.getCause() instanceof LockUnavailableException shedding) {
                        throw shedding;
                    }
                    throw new IllegalStateException("Shipping failed", e);
                } catch (java.util.concurrent.TimeoutException e) {
                    throw new IllegalStateException("Shipping failed", e);
                }
            }
        }
    }
}
