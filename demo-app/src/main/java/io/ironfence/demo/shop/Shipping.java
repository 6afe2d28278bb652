package io.ironfence.demo.shop;

import io.ironfence.annotation.WithLock;

import org.springframework.stereotype.Service;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Books a slot with the (simulated) courier: asynchronous, and the {@code shipping} lock is held
 * until the booking completes, without a thread waiting for it. The courier is slow (5 ms a
 * booking, one at a time), so a spike of bookings queues: {@code application.yml} bounds that
 * queue (max-waiting) and the wait (timeout), and the shop sheds what it cannot serve in time.
 */
@Service
public class Shipping {

    private static final Executor COURIER = CompletableFuture.delayedExecutor(5, TimeUnit.MILLISECONDS);

    private final AtomicLong booked = new AtomicLong();
    private final AtomicLong bookedAfterRequestEnded = new AtomicLong();

    @WithLock("shipping")
    public CompletableFuture<String> book(String customerId) {
        return courier(customerId);
    }

    /**
     * Books for an HTTP request that ends (is answered or times out) at {@code requestEndsAtNanos}
     * ({@link System#nanoTime()}): a booking that starts later is counted as work for nobody.
     */
    @WithLock("shipping")
    public CompletableFuture<String> book(String customerId, long requestEndsAtNanos) {
        if (System.nanoTime() - requestEndsAtNanos > 0) {
            bookedAfterRequestEnded.incrementAndGet();
        }
        return courier(customerId);
    }

    private CompletableFuture<String> courier(String customerId) {
        return CompletableFuture.supplyAsync(() -> "slot-" + booked.incrementAndGet() + " for " + customerId, COURIER);
    }

    public long booked() {
        return booked.get();
    }

    /** @return bookings that began after their HTTP request had already ended: work nobody received */
    public long bookedAfterRequestEnded() {
        return bookedAfterRequestEnded.get();
    }
}
