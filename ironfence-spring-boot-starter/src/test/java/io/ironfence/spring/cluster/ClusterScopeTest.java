package io.ironfence.spring.cluster;

import io.ironfence.LockLostException;
import io.ironfence.LockTimeoutException;
import io.ironfence.annotation.ReadLocked;
import io.ironfence.annotation.WithLock;
import io.ironfence.cluster.ClusterGuard;
import io.ironfence.cluster.ClusterLock;
import io.ironfence.cluster.ClusterRWLock;
import io.ironfence.cluster.postgres.PostgresServer;
import io.ironfence.spring.NamedLockRegistry;
import io.ironfence.spring.aop.ClusterHolds;
import io.ironfence.spring.boot.actuate.LocksEndpoint;
import io.ironfence.spring.boot.autoconfigure.IronFenceAutoConfiguration;
import io.ironfence.spring.boot.autoconfigure.IronFenceClusterAutoConfiguration;
import io.ironfence.spring.boot.autoconfigure.IronFenceMetricsAutoConfiguration;

import io.micrometer.core.instrument.MeterRegistry;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.ImportAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.micrometer.metrics.autoconfigure.export.simple.SimpleMetricsExportAutoConfiguration;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * Cluster scope through the starter, as an application uses it: instances are Spring contexts of
 * their own (each its registry, engine and sessions) in one JVM, on a real PostgreSQL.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
@ExtendWith(OutputCaptureExtension.class)
class ClusterScopeTest {

    private static PostgresServer server;

    private final String run = UUID.randomUUID().toString().substring(0, 8);
    private final List<ConfigurableApplicationContext> instances = new ArrayList<>();

    @BeforeAll
    static void startServer() {
        server = PostgresServer.get();
        Awaitility.setDefaultPollInterval(Duration.ofMillis(10));
    }

    @AfterEach
    void stopInstances() throws Exception {
        instances.forEach(ConfigurableApplicationContext::close);
        await().atMost(Duration.ofSeconds(10)).until(() -> server.advisoryLocks() == 0);
        for (int i = 0; i < 3; i++) {
            assertThat(server.sessionsOf(instanceId(i))).as("sessions of instance %d after close", i).isZero();
        }
    }

    private String instanceId(int i) {
        return "instance-" + i + "-" + run;
    }

    private ConfigurableApplicationContext instance(int i, String... properties) {
        List<String> all = new ArrayList<>(List.of(
                "ironfence.cluster.url=" + server.url(),
                "ironfence.cluster.username=" + server.username(),
                "ironfence.cluster.instance-id=" + instanceId(i),
                "ironfence.cluster.heartbeat=200ms",
                "ironfence.locks.payouts.scope=cluster",
                "ironfence.locks.account.scope=cluster",
                "ironfence.locks.account.type=rwlock",
                "ironfence.locks.account.keyed=true",
                "ironfence.locks.account.timeout=10s"));
        all.addAll(List.of(properties));
        ConfigurableApplicationContext context = new SpringApplicationBuilder(Instance.class)
                .web(WebApplicationType.NONE).properties(all.toArray(String[]::new)).run();
        instances.add(context);
        return context;
    }

    @Test
    void threeInstancesNeverHoldTogetherAndTokensIncrease() throws Exception {
        List<Payouts> payouts = List.of(instance(0).getBean(Payouts.class), instance(1).getBean(Payouts.class),
                instance(2).getBean(Payouts.class));
        Ledger.reset();
        int threadsPerInstance = 4;
        int rounds = 40;
        ExecutorService threads = Executors.newFixedThreadPool(3 * threadsPerInstance);
        CyclicBarrier start = new CyclicBarrier(3 * threadsPerInstance);
        List<Future<?>> done = new ArrayList<>();
        for (Payouts instance : payouts) {
            for (int t = 0; t < threadsPerInstance; t++) {
                done.add(threads.submit(() -> {
                    start.await();
                    for (int r = 0; r < rounds; r++) {
                        instance.pay();
                    }
                    return null;
                }));
            }
        }
        for (Future<?> future : done) {
            future.get();
        }
        threads.shutdown();
        assertThat(Ledger.total).isEqualTo(3L * threadsPerInstance * rounds); // no lost update: one holder at a time
        assertThat(Ledger.outOfOrderTokens.get()).isZero(); // every holder's token above the one before
        assertThat(Ledger.overlaps.get()).isZero();
    }

    @Test
    void asyncMethodsHoldAcrossInstancesAndSeeTheirToken() throws Exception {
        Payouts first = instance(0).getBean(Payouts.class);
        Payouts second = instance(1).getBean(Payouts.class);
        CountDownLatch release = new CountDownLatch(1);
        CompletableFuture<Long> holding = first.payLater(release);
        await().until(() -> server.advisoryLocks() == 1);
        CompletableFuture<Long> queued = second.payLater(new CountDownLatch(0));
        await().until(() -> server.waitingAdvisoryLocks() == 1);
        assertThat(queued).isNotDone();
        release.countDown();
        long firstToken = holding.get(10, TimeUnit.SECONDS);
        assertThat(queued.get(10, TimeUnit.SECONDS)).isGreaterThan(firstToken);
    }

    @Test
    void reactiveMethodsHoldPerSubscriptionAndACancelledWaitLeavesNothingBehind() throws Exception {
        Payouts first = instance(0).getBean(Payouts.class);
        Payouts second = instance(1).getBean(Payouts.class);
        CountDownLatch release = new CountDownLatch(1);
        CompletableFuture<Long> holding = first.payReactive(release).toFuture();
        await().until(() -> server.advisoryLocks() == 1);
        for (int round = 0; round < 20; round++) {
            reactor.core.Disposable waiting = second.payReactive(new CountDownLatch(0)).subscribe();
            await().until(() -> server.waitingAdvisoryLocks() == 1);
            waiting.dispose(); // a client that hung up: its request is withdrawn at the server too
            await().until(() -> server.waitingAdvisoryLocks() == 0);
        }
        CompletableFuture<Long> queued = second.payReactive(new CountDownLatch(0)).toFuture();
        await().until(() -> server.waitingAdvisoryLocks() == 1);
        release.countDown();
        assertThat(queued.get(10, TimeUnit.SECONDS)).isGreaterThan(holding.get(10, TimeUnit.SECONDS));
        assertThat(server.sessionsOf(instanceId(1))).isLessThanOrEqualTo(1); // one idle session kept, no more
    }

    @Test
    void keyedReadersShareAndAWriterExcludesThemAcrossInstances() throws Exception {
        Accounts first = instance(0).getBean(Accounts.class);
        Accounts second = instance(1).getBean(Accounts.class);
        CountDownLatch release = new CountDownLatch(1);
        CompletableFuture<Void> readerA = CompletableFuture.runAsync(() -> first.read("42", release));
        CompletableFuture<Void> readerB = CompletableFuture.runAsync(() -> second.read("42", release));
        await().until(() -> server.advisoryLocks() == 2); // both instances hold the shared lock of key 42
        assertThat(second.tryWrite("7")).isTrue(); // another key is free
        assertThatThrownBy(() -> second.tryWrite("42")).isInstanceOf(LockTimeoutException.class)
                .hasMessageContaining("'account' (key '42')");
        release.countDown();
        CompletableFuture.allOf(readerA, readerB).get(10, TimeUnit.SECONDS);
        assertThat(second.tryWrite("42")).isTrue();
    }

    @Test
    void aLostHoldEndsTheCallWithLockLostExceptionAndIsCountedAndLogged(CapturedOutput output) throws Exception {
        ConfigurableApplicationContext context = instance(0);
        Payouts payouts = context.getBean(Payouts.class);
        CountDownLatch held = new CountDownLatch(1);
        CompletableFuture<ClusterGuard> guard = new CompletableFuture<>();
        CompletableFuture<Void> call = CompletableFuture.runAsync(() -> payouts.holdUntilLost(guard, held));
        assertThat(held.await(10, TimeUnit.SECONDS)).isTrue();
        assertThat(guard.get().isValid()).isTrue();
        server.terminateSessionsOf(instanceId(0));
        guard.get().whenLost().get(10, TimeUnit.SECONDS); // within the heartbeat plus the probe's timeout
        assertThatThrownBy(() -> call.get(10, TimeUnit.SECONDS)).hasCauseInstanceOf(LockLostException.class)
                .cause().hasMessageContaining("Lock 'payouts' was lost while @WithLock(\"payouts\") on ")
                .hasMessageContaining("holdUntilLost");
        await().untilAsserted(() -> assertThat(output).contains("ERROR")
                .contains("Cluster lock 'payouts' was lost while @WithLock(\"payouts\") on ").contains("holdUntilLost"));
        MeterRegistry meters = context.getBean(MeterRegistry.class);
        assertThat(meters.get("ironfence.lock.remote.lost").tag("lock", "payouts").counter().count()).isEqualTo(1.0);
        assertThat(endpoint(context).lock("payouts").remote().lostHolds()).isEqualTo(1);
        // The lock works again afterwards, on a new session.
        payouts.pay();
        assertThat(meters.get("ironfence.lock.remote.wait").tag("lock", "payouts").tag("outcome", "acquired").timer()
                .count()).isEqualTo(2);
        assertThat(meters.get("ironfence.lock.wait").tag("lock", "payouts").tag("outcome", "acquired").timer()
                .count()).isEqualTo(2);
    }

    @Test
    void aLossBetweenHeartbeatsStillEndsTheCallWithLockLostException() throws Exception {
        Payouts payouts = instance(0, "ironfence.cluster.heartbeat=1h").getBean(Payouts.class);
        assertThatThrownBy(() -> payouts.payWhile(() -> server.terminateSessionsOf(instanceId(0))))
                .isInstanceOf(LockLostException.class).hasMessageContaining("payWhile");
        payouts.payWhile(() -> null); // a new session, and an intact hold
    }

    @Test
    void theEndpointShowsScopeAndWhichInstanceHoldsTheLock() throws Exception {
        ConfigurableApplicationContext first = instance(0);
        ConfigurableApplicationContext second = instance(1);
        CountDownLatch release = new CountDownLatch(1);
        CompletableFuture<Long> holding = first.getBean(Payouts.class).payLater(release);
        await().until(() -> server.advisoryLocks() == 1);
        LocksEndpoint.LockDetailsDescriptor seenFromSecond = endpoint(second).lock("payouts");
        assertThat(seenFromSecond.scope()).isEqualTo("cluster");
        assertThat(seenFromSecond.holders()).isZero(); // nobody in this instance
        assertThat(seenFromSecond.remote().instance()).isEqualTo(instanceId(1));
        assertThat(seenFromSecond.remote().holders()).singleElement().satisfies(holder -> {
            assertThat(holder.instance()).isEqualTo(instanceId(0));
            assertThat(holder.granted()).isTrue();
            assertThat(holder.mode()).isEqualTo("exclusive");
        });
        LocksEndpoint.LockDetailsDescriptor seenFromFirst = endpoint(first).lock("payouts");
        assertThat(seenFromFirst.holders()).isEqualTo(1);
        assertThat(seenFromFirst.currentHolders()).singleElement()
                .satisfies(holder -> assertThat(holder.method()).contains("payLater"));
        assertThat(endpoint(first).locks().locks().get("payouts").scope()).isEqualTo("cluster");
        release.countDown();
        holding.get(10, TimeUnit.SECONDS);
    }

    /** The endpoint as the actuator would serve it (these instances have no web server to expose it on). */
    private static LocksEndpoint endpoint(ConfigurableApplicationContext context) {
        return new LocksEndpoint(context.getBean(NamedLockRegistry.class));
    }

    @Test
    void declaredClusterNamesAreClusterLockBeansAndNeverLocalLocks() {
        ConfigurableApplicationContext context = instance(0);
        Instance.Injected injected = context.getBean(Instance.Injected.class);
        NamedLockRegistry registry = context.getBean(NamedLockRegistry.class);
        assertThat(injected.payouts()).isSameAs(registry.get("payouts").getCluster().lock());
        assertThat(injected.account()).isSameAs(registry.get("account").getCluster().lock());
        assertThatThrownBy(() -> registry.getMutex("payouts")).hasMessageContaining("cluster-scoped")
                .hasMessageContaining("@Qualifier(\"payouts\") ClusterLock");
    }

    @Test
    void aKeyThatDoesNotEncodeTheSameEverywhereFailsNamingTheMethod() {
        Accounts accounts = instance(0).getBean(Accounts.class);
        assertThatThrownBy(() -> accounts.writeAny(new Object())).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("writeAny");
    }

    @Test
    void aKeyParameterOfATypeThatCanNeverBeAClusterKeyFailsTheStartUp() {
        assertThatThrownBy(() -> new SpringApplicationBuilder(Instance.class, DatedReports.class)
                .web(WebApplicationType.NONE).properties("ironfence.locks.report.scope=cluster",
                        "ironfence.locks.report.keyed=true", "ironfence.cluster.url=" + server.url()).run())
                .hasStackTraceContaining("@WithLock(\"report\") on ").hasStackTraceContaining("DatedReports.run(")
                .hasStackTraceContaining("java.time.LocalDate, which does not encode the same in every JVM");
    }

    static class DatedReports {

        @WithLock(value = "report", key = "#day")
        public void run(java.time.LocalDate day) {
        }
    }

    @Test
    void keysBeyondMaxKeysFailAtOnceAndNothingLeaks() throws Exception {
        Accounts accounts = instance(0, "ironfence.cluster.max-keys=1").getBean(Accounts.class);
        CountDownLatch release = new CountDownLatch(1);
        CompletableFuture<Void> reader = CompletableFuture.runAsync(() -> accounts.read("1", release));
        await().until(() -> server.advisoryLocks() == 1);
        assertThatThrownBy(() -> accounts.tryWrite("2")).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("ironfence.cluster.max-keys=1");
        release.countDown();
        reader.get(10, TimeUnit.SECONDS);
        assertThat(accounts.tryWrite("2")).isTrue();
    }

    @Test
    void startUpFailsClearlyWithoutAUrlOrWithAWrongPassword() {
        assertThatThrownBy(() -> new SpringApplicationBuilder(Instance.class).web(WebApplicationType.NONE)
                .properties("ironfence.locks.payouts.scope=cluster").run())
                .hasStackTraceContaining("set ironfence.cluster.url");
        assertThatThrownBy(() -> new SpringApplicationBuilder(Instance.class).web(WebApplicationType.NONE)
                .properties("ironfence.locks.payouts.scope=cluster", "spring.datasource.url=jdbc:h2:mem:x").run())
                .hasStackTraceContaining("spring.datasource.url (ironfence.cluster.url is unset) is jdbc:h2:mem:x");
        assertThatThrownBy(() -> new SpringApplicationBuilder(Instance.class).web(WebApplicationType.NONE)
                .properties("ironfence.locks.payouts.scope=cluster", "ironfence.cluster.url=" + server.url(),
                        "ironfence.cluster.username=nobody-" + run, "ironfence.cluster.password=wrong").run())
                .hasStackTraceContaining("Cannot reach the cluster lock database")
                .hasStackTraceContaining("nobody-" + run);
    }

    /** A resource shared by all instances, updated without synchronization: only the lock protects it. */
    static final class Ledger {
        static volatile long total;
        static volatile long lastToken;
        static volatile boolean busy;
        static final AtomicLong outOfOrderTokens = new AtomicLong();
        static final AtomicLong overlaps = new AtomicLong();

        static void reset() {
            total = 0;
            lastToken = 0;
            outOfOrderTokens.set(0);
            overlaps.set(0);
        }

        static void write(long token) {
            if (busy) {
                overlaps.incrementAndGet();
            }
            busy = true;
            if (token <= lastToken) {
                outOfOrderTokens.incrementAndGet();
            }
            lastToken = token;
            long read = total;
            Thread.yield(); // widen the window a second holder would need
            total = read + 1;
            busy = false;
        }
    }

    static class Payouts {

        @WithLock("payouts")
        public void pay() {
            Ledger.write(ClusterHolds.current("payouts").fencingToken());
        }

        @WithLock("payouts")
        public CompletableFuture<Long> payLater(CountDownLatch release) {
            long token = ClusterHolds.current("payouts").fencingToken();
            return CompletableFuture.supplyAsync(() -> {
                try {
                    release.await();
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
                return token;
            });
        }

        @WithLock("payouts")
        public reactor.core.publisher.Mono<Long> payReactive(CountDownLatch release) {
            long token = ClusterHolds.current("payouts").fencingToken();
            return reactor.core.publisher.Mono.fromCallable(() -> {
                release.await();
                return token;
            }).subscribeOn(reactor.core.scheduler.Schedulers.boundedElastic());
        }

        @WithLock("payouts")
        public void payWhile(java.util.concurrent.Callable<?> meanwhile) throws Exception {
            meanwhile.call();
        }

        @WithLock("payouts")
        public void holdUntilLost(CompletableFuture<ClusterGuard> guard, CountDownLatch held) {
            ClusterGuard current = ClusterHolds.current("payouts");
            guard.complete(current);
            held.countDown();
            current.whenLost().join();
        }
    }

    static class Accounts {

        @ReadLocked(value = "account", key = "#id")
        public void read(String id, CountDownLatch release) {
            try {
                release.await();
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        }

        @WithLock(value = "account", key = "#id", timeout = "200ms")
        public boolean tryWrite(String id) {
            return true;
        }

        @WithLock(value = "account", key = "#key")
        public void writeAny(Object key) {
        }
    }

    @Configuration(proxyBeanMethods = false)
    @ImportAutoConfiguration({IronFenceAutoConfiguration.class, IronFenceClusterAutoConfiguration.class,
            IronFenceMetricsAutoConfiguration.class,
            MetricsAutoConfiguration.class, SimpleMetricsExportAutoConfiguration.class})
    static class Instance {

        @Bean
        Payouts payouts() {
            return new Payouts();
        }

        @Bean
        Accounts accounts() {
            return new Accounts();
        }

        @Bean
        Injected injected(@Qualifier("payouts") ClusterLock payouts, @Qualifier("account") ClusterRWLock account) {
            return new Injected(payouts, account);
        }

        record Injected(ClusterLock payouts, ClusterRWLock account) {
        }
    }
}
