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
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The shipping spike of issue 19, against a running demo on loopback, bounded in time: the demo's
 * 16 shoppers, 8 impatient clients that book shipping without pause and hang up after 2 ms, and 8
 * patient clients that book and wait up to 35 s. Then it stops them and measures how long the
 * shipping queue takes to drain. The queue is read on the management port, which stays reachable
 * when the application's port is saturated. Prints one Markdown table row.
 *
 * <pre>java Spike.java PORT MANAGEMENT_PORT SECONDS LABEL</pre>
 */
public class Spike {

    static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    public static void main(String[] args) throws Exception {
        String base = "http://127.0.0.1:" + args[0]; // loopback only
        String management = "http://127.0.0.1:" + args[1];
        int seconds = Integer.parseInt(args[2]);
        String label = args.length > 3 ? args[3] : "run";
        post(base + "/api/load/start", "{\"clients\":16,\"readPercent\":90,\"thinkMillis\":1}");

        AtomicBoolean running = new AtomicBoolean(true);
        List<Long> okMillis = Collections.synchronizedList(new ArrayList<>());
        AtomicLong patient503 = new AtomicLong();
        AtomicLong patientFailed = new AtomicLong();
        AtomicLong hungUp = new AtomicLong();
        AtomicLong impatient503 = new AtomicLong();
        AtomicLong unreachable = new AtomicLong();
        List<Thread> clients = new ArrayList<>();
        for (int i = 0; i < 16; i++) {
            boolean patient = i % 2 == 0;
            String customer = (patient ? "patient-" : "impatient-") + i;
            HttpRequest request = HttpRequest.newBuilder(URI.create(base + "/api/customers/" + customer + "/shipping"))
                    .timeout(patient ? Duration.ofSeconds(35) : Duration.ofMillis(2))
                    .POST(HttpRequest.BodyPublishers.noBody()).build();
            Thread t = new Thread(() -> {
                while (running.get()) {
                    long start = System.nanoTime();
                    try {
                        int status = HTTP.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
                        if (patient && status == 200) {
                            okMillis.add((System.nanoTime() - start) / 1_000_000);
                        } else if (status == 503) {
                            (patient ? patient503 : impatient503).incrementAndGet();
                        }
                    } catch (HttpTimeoutException e) {
                        (patient ? patientFailed : hungUp).incrementAndGet();
                    } catch (InterruptedException e) {
                        return;
                    } catch (Exception e) {
                        unreachable.incrementAndGet(); // refused or reset
                    }
                }
            }, customer);
            t.start();
            clients.add(t);
        }

        int peak = 0;
        long end = System.nanoTime() + seconds * 1_000_000_000L;
        while (System.nanoTime() < end) {
            peak = Math.max(peak, waiting(management));
            Thread.sleep(250); // a sampling interval, not synchronization
        }
        running.set(false);
        long stopped = System.nanoTime();
        int atStop = waiting(management);
        peak = Math.max(peak, atStop);
        for (Thread t : clients) {
            t.join(40_000);
        }
        retry(() -> post(base + "/api/load/stop", "{}"));
        while (waiting(management) > 0 && System.nanoTime() - stopped < 600_000_000_000L) {
            Thread.sleep(100); // polling the queue, not synchronization
        }
        double drainSeconds = (System.nanoTime() - stopped) / 1e9;
        String shipping = retry(() -> get(base + "/api/shipping"));
        List<Long> sorted = new ArrayList<>(okMillis);
        Collections.sort(sorted);
        long p50 = sorted.isEmpty() ? -1 : sorted.get(sorted.size() / 2);
        long p99 = sorted.isEmpty() ? -1 : sorted.get(Math.max(0, (int) Math.ceil(sorted.size() * 0.99) - 1));
        System.out.printf("| %s | %d s | %,d | %,d | %.1f s | %,d | %,d | %,d | %,d | %,d | %,d | %,d | %,d ms | %,d ms |%n",
                label, seconds, peak, atStop, drainSeconds, number(shipping, "booked"),
                number(shipping, "bookedAfterRequestEnded"), hungUp.get(), impatient503.get(), unreachable.get(),
                sorted.size(), patient503.get() + patientFailed.get(), p50, p99);
        System.exit(0);
    }

    interface Call {
        String run() throws Exception;
    }

    static String retry(Call call) throws Exception {
        for (int attempt = 0;; attempt++) {
            try {
                return call.run();
            } catch (java.io.IOException e) {
                if (attempt == 60) {
                    throw e;
                }
                Thread.sleep(2_000); // the saturated server frees connections as its requests time out
            }
        }
    }

    static int waiting(String management) throws Exception {
        String json = retry(() -> get(management + "/actuator/locks"));
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

    static String post(String uri, String json) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(uri)).timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(json)).build(),
                HttpResponse.BodyHandlers.ofString()).body();
    }
}
