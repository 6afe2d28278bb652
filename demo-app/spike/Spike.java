import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The shipping spike of issue 19, against a running demo on loopback: 16 shoppers and 8 impatient
 * HTTP clients (the demo's load generator; they hang up after 2 ms) plus 8 patient HTTP clients
 * that book shipping and wait up to 35 s, for a bounded time. Then it stops the load and measures
 * how long the shipping queue takes to drain. Prints one Markdown table row.
 *
 * <pre>java Spike.java PORT SECONDS LABEL</pre>
 */
public class Spike {

    static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    public static void main(String[] args) throws Exception {
        int port = Integer.parseInt(args[0]);
        int seconds = Integer.parseInt(args[1]);
        String label = args.length > 2 ? args[2] : "run";
        String base = "http://127.0.0.1:" + port; // loopback only
        post(base + "/api/load/start", "{\"clients\":16,\"readPercent\":90,\"thinkMillis\":1,\"hangUpClients\":8}");

        AtomicBoolean running = new AtomicBoolean(true);
        List<Long> okMillis = Collections.synchronizedList(new ArrayList<>());
        AtomicInteger patient503 = new AtomicInteger();
        List<Thread> patients = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            int id = i;
            Thread t = new Thread(() -> {
                HttpRequest request = HttpRequest.newBuilder(URI.create(base + "/api/customers/patient-" + id + "/shipping"))
                        .timeout(Duration.ofSeconds(35)).POST(HttpRequest.BodyPublishers.noBody()).build();
                while (running.get()) {
                    long start = System.nanoTime();
                    try {
                        int status = HTTP.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
                        if (status == 200) {
                            okMillis.add((System.nanoTime() - start) / 1_000_000);
                        } else if (status == 503) {
                            patient503.incrementAndGet();
                        }
                    } catch (HttpTimeoutException e) {
                        patient503.incrementAndGet();
                    } catch (Exception e) {
                        return;
                    }
                }
            });
            t.start();
            patients.add(t);
        }

        int peak = 0;
        long end = System.nanoTime() + seconds * 1_000_000_000L;
        while (System.nanoTime() < end) {
            peak = Math.max(peak, waiting(base));
            Thread.sleep(250); // a sampling interval, not synchronization
        }
        post(base + "/api/load/stop", "{}");
        running.set(false);
        long stopped = System.nanoTime();
        int left = waiting(base);
        peak = Math.max(peak, left);
        while (waiting(base) > 0 && System.nanoTime() - stopped < 300_000_000_000L) {
            Thread.sleep(100);
        }
        double drainSeconds = (System.nanoTime() - stopped) / 1e9;
        for (Thread t : patients) {
            t.join(40_000);
        }
        String shipping = get(base + "/api/shipping");
        String load = get(base + "/api/load");
        List<Long> sorted = new ArrayList<>(okMillis);
        Collections.sort(sorted);
        long p50 = sorted.isEmpty() ? -1 : sorted.get(sorted.size() / 2);
        long p99 = sorted.isEmpty() ? -1 : sorted.get(Math.min(sorted.size() - 1, (int) Math.ceil(sorted.size() * 0.99) - 1));
        System.out.printf("| %s | %d s | %d | %d | %.1f s | %d | %d | %d | %d | %d | %d ms | %d ms |%n", label,
                seconds, peak, left, drainSeconds, number(shipping, "booked"), number(shipping, "bookedAfterRequestEnded"),
                number(load, "hungUp"), number(load, "shed"), sorted.size(), patient503.get(), p50, p99);
    }

    static int waiting(String base) throws Exception {
        String json = get(base + "/actuator/locks");
        Matcher m = Pattern.compile("\"shipping\":\\{[^}]*\"waiting\":(\\d+)").matcher(json);
        return m.find() ? Integer.parseInt(m.group(1)) : -1;
    }

    static long number(String json, String key) {
        Matcher m = Pattern.compile("\"" + key + "\":(\\d+)").matcher(json);
        return m.find() ? Long.parseLong(m.group(1)) : -1;
    }

    static String get(String uri) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(uri)).timeout(Duration.ofSeconds(30)).build(),
                HttpResponse.BodyHandlers.ofString()).body();
    }

    static void post(String uri, String json) throws Exception {
        HTTP.send(HttpRequest.newBuilder(URI.create(uri)).timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(json)).build(),
                HttpResponse.BodyHandlers.discarding());
    }
}
