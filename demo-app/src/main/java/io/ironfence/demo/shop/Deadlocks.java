package io.ironfence.demo.shop;

import io.ironfence.annotation.WithLock;

import org.springframework.context.annotation.Lazy;
import org.springframework.stereotype.Service;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A deliberate deadlock, for the dashboard's red banner: a transfer takes {@code accounts} then
 * {@code audit}, a reconciliation {@code audit} then {@code accounts}. Started together they wait
 * for each other until their 10 s timeouts end it ({@code LockTimeoutException}); meanwhile the
 * starter reports the cycle (log, {@code ironfence.lock.deadlocks}, {@code /actuator/locks}).
 */
@Service
public class Deadlocks {

    private final Deadlocks self;

    public Deadlocks(@Lazy Deadlocks self) {
        this.self = self; // the proxy: the nested call takes the second lock
    }

    @WithLock(value = "accounts", timeout = "10s")
    public void transfer(CountDownLatch bothHold) throws InterruptedException {
        bothHold.countDown();
        bothHold.await(5, TimeUnit.SECONDS);
        self.audit();
    }

    @WithLock(value = "audit", timeout = "10s")
    public void reconcile(CountDownLatch bothHold) throws InterruptedException {
        bothHold.countDown();
        bothHold.await(5, TimeUnit.SECONDS);
        self.account();
    }

    @WithLock(value = "audit", timeout = "10s")
    public void audit() {
    }

    @WithLock(value = "accounts", timeout = "10s")
    public void account() {
    }

    /** Starts the two threads, which deadlock until their timeouts. */
    public void start() {
        CountDownLatch bothHold = new CountDownLatch(2);
        run("transfer", () -> transferVia(bothHold, true));
        run("reconcile", () -> transferVia(bothHold, false));
    }

    private void transferVia(CountDownLatch bothHold, boolean transfer) {
        try {
            if (transfer) {
                self.transfer(bothHold);
            } else {
                self.reconcile(bothHold);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException expected) {
            // the timeout that ends the deadlock
        }
    }

    private static void run(String name, Runnable body) {
        Thread thread = new Thread(body, "demo-deadlock-" + name);
        thread.setDaemon(true);
        thread.start();
    }
}
