package io.ironfence;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static io.ironfence.TestSupport.awaitQueueLength;
import static io.ironfence.TestSupport.startThread;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class MutexTest {

    @Test
    void guardGivesAccessToTheValueAndReleasesOnClose() {
        Mutex<Map<String, String>> mu = new Mutex<>(new HashMap<>());
        try (MutexGuard<Map<String, String>> g = mu.lock()) {
            assertThat(mu.isLocked()).isTrue();
            assertThat(mu.getHolderCount()).isEqualTo(1);
            g.get().put("key", "example");
        }
        assertThat(mu.isLocked()).isFalse();
        assertThat(mu.getHolderCount()).isZero();
        try (MutexGuard<Map<String, String>> g = mu.lock()) {
            assertThat(g.get()).containsEntry("key", "example");
        }
    }

    @Test
    void nullValuesAreAllowedAndCanBeReplaced() {
        Mutex<String> mu = new Mutex<>(null);
        try (MutexGuard<String> g = mu.lock()) {
            assertThat(g.get()).isNull();
            g.set("now set");
        }
        try (MutexGuard<String> g = mu.lock()) {
            assertThat(g.get()).isEqualTo("now set");
            g.set(null);
        }
        try (MutexGuard<String> g = mu.lock()) {
            assertThat(g.get()).isNull();
        }
    }

    @Test
    void toStringNeverShowsTheValue() {
        Mutex<String> mu = Mutex.named("secrets", "hunter2");
        try (MutexGuard<String> g = mu.lock()) {
            assertThat(mu.toString()).contains("secrets").contains("locked").doesNotContain("hunter2");
            assertThat(g.toString()).contains("secrets").contains("held").doesNotContain("hunter2");
            assertThat(mu.lockAsync().toString()).doesNotContain("hunter2");
            assertThat(mu.getQueueLength()).isEqualTo(1);
            assertThat(mu.toString()).contains("1 waiting");
        }
        assertThat(new Mutex<>("hunter2").toString()).startsWith("Mutex[mutex@").doesNotContain("hunter2");
    }

    @Test
    void namedRejectsNullName() {
        assertThatThrownBy(() -> Mutex.named(null, 1)).isInstanceOf(NullPointerException.class);
    }

    @Test
    void waitersAreServedInArrivalOrder() throws Exception {
        Mutex<List<Integer>> mu = new Mutex<>(new ArrayList<>());
        MutexGuard<List<Integer>> held = mu.lock();
        List<Thread> threads = new ArrayList<>();
        List<CompletableFuture<Void>> asyncs = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            int id = i;
            if (i % 2 == 0) {
                threads.add(startThread(() -> {
                    try (MutexGuard<List<Integer>> g = mu.lock()) {
                        g.get().add(id);
                    }
                }));
            } else {
                asyncs.add(mu.lockAsync().thenAccept(g -> {
                    try (g) {
                        g.get().add(id);
                    }
                }));
            }
            awaitQueueLength(mu, i + 1);
        }
        held.close();
        for (Thread t : threads) {
            t.join();
        }
        CompletableFuture.allOf(asyncs.toArray(new CompletableFuture<?>[0])).get();
        try (MutexGuard<List<Integer>> g = mu.lock()) {
            assertThat(g.get()).containsExactly(0, 1, 2, 3, 4, 5);
        }
    }
}
