package io.ironfence.spring.observation;

import io.ironfence.ObservableLock;
import io.ironfence.spi.LockListener;
import io.ironfence.spi.LockMode;
import io.ironfence.spi.WaitOutcome;
import io.ironfence.spring.LockMonitor;
import io.ironfence.spring.NamedLock;

import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationRegistry;
import org.jspecify.annotations.Nullable;

/**
 * Makes each wait for a named lock that has to queue an Observation named
 * {@value #NAME}: started on the requesting thread when the request joins the queue (for an
 * asynchronous request, the caller's thread), so it is a child of the caller's current
 * observation, and stopped when the wait ends, granted or not. Low-cardinality key values
 * {@code lock}, {@code mode} and {@code outcome} (as the {@code ironfence.lock.wait} meter's);
 * high-cardinality {@code holder.thread} and {@code holder.method}: who held the lock when the wait
 * began. A request granted at once creates nothing: an observation costs several objects, and an
 * application with the actuator always has a registry with handlers.
 * <p>
 * Not {@code ironfence.lock.wait}: that meter counts every request, and one meter name with two
 * sets of tag keys breaks Prometheus.
 */
public final class LockWaitObservations implements LockListener {

    /** The observation's name. */
    public static final String NAME = "ironfence.lock.queued";

    private final NamedLock named;
    private final ObservationRegistry registry;

    /**
     * @param named    the named lock whose waits to observe (attach with {@link NamedLock#addListener})
     * @param registry where observations go
     */
    public LockWaitObservations(NamedLock named, ObservationRegistry registry) {
        this.named = named;
        this.registry = registry;
    }

    @Override
    public @Nullable Object onQueued(ObservableLock lock, LockMode mode, long requestNanos) {
        if (registry.isNoop()) {
            return null;
        }
        LockMonitor.Holder holder = named.getMonitor().getOldestHolderOf(lock);
        String holderThread = holder == null ? "none" : holder.isAsync() ? "async task" : String.valueOf(holder.getThread());
        String holderMethod = holder == null || holder.getMethod() == null ? "none" : holder.getMethod();
        return Observation.createNotStarted(NAME, registry)
                .contextualName("wait for lock " + named.getName())
                .parentObservation(registry.getCurrentObservation())
                .lowCardinalityKeyValue("lock", named.getName())
                .lowCardinalityKeyValue("mode", mode.tagValue())
                .highCardinalityKeyValue("holder.thread", holderThread)
                .highCardinalityKeyValue("holder.method", holderMethod)
                .start();
    }

    @Override
    public void onWaitEnded(Object context, WaitOutcome outcome) {
        Observation observation = (Observation) context;
        observation.lowCardinalityKeyValue("outcome", outcome.tagValue());
        observation.stop();
    }

    /** An observation keeps its own time: the lock need not read the clock for this listener. */
    @Override
    public boolean usesTimestamps() {
        return false;
    }

    @Override
    public String toString() {
        return "LockWaitObservations[" + named.getName() + "]";
    }
}
