package io.ironfence.cluster.postgres;

import io.ironfence.cluster.ClusterLockEngine.RemoteHold;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A separate JVM for the crash test: takes the cluster lock, says so on standard output, and holds
 * it until it is killed (it waits on a latch that nobody counts down).
 */
public final class HoldingProcess {

    private HoldingProcess() {
    }

    public static void main(String[] args) throws Exception {
        String url = args[0];
        String user = args[1];
        long lockKey = Long.parseLong(args[2]);
        String instanceId = args[3];
        PostgresLockEngine engine = new PostgresLockEngine(PostgresLockEngine.Settings.of(url, user, null)
                .withInstanceId(instanceId).withHeartbeat(Duration.ofSeconds(1)));
        RemoteHold hold = engine.acquire(lockKey, false, null).get(60, TimeUnit.SECONDS);
        System.out.println("HELD " + hold.fencingToken());
        System.out.flush();
        new CountDownLatch(1).await();
    }
}
