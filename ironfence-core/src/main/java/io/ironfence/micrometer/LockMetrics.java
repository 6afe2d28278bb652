package io.ironfence.micrometer;

import io.ironfence.Guard;
import io.ironfence.ObservableLock;
import io.ironfence.RWLock;
import io.ironfence.spi.LockListener;
import io.ironfence.spi.LockMode;
import io.ironfence.spi.WaitOutcome;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.MeterBinder;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.IntSupplier;
import java.util.function.Supplier;
import java.util.function.ToIntFunction;

/**
 * Micrometer meters of one named lock, or of a group of locks reported under one name (the
 * per-key locks of a keyed lock):
 *
 * <table>
 *   <caption>Meters, all tagged {@code lock} = the name</caption>
 *   <tr><th>meter</th><th>type</th><th>extra tags</th></tr>
 *   <tr><td>{@code ironfence.lock.wait}</td><td>Timer</td><td>{@code mode}, {@code outcome}</td></tr>
 *   <tr><td>{@code ironfence.lock.held}</td><td>Timer</td><td>{@code mode}</td></tr>
 *   <tr><td>{@code ironfence.lock.contended}</td><td>Counter</td><td>{@code mode}</td></tr>
 *   <tr><td>{@code ironfence.lock.waiting}</td><td>Gauge</td><td></td></tr>
 *   <tr><td>{@code ironfence.lock.holders}</td><td>Gauge</td><td></td></tr>
 * </table>
 *
 * {@code ironfence.lock.wait} records every request, also those granted at once, so its
 * {@code outcome=acquired} count is the number of acquisitions. Every meter is registered when the
 * binder is bound, so dashboards show zeros rather than gaps before the first use. One lock in one
 * call:
 *
 * <pre>{@code
 * LockMetrics.of(mutex).bindTo(meterRegistry);
 * }</pre>
 *
 * The binder may be bound to several registries; every event is recorded in each.
 */
public final class LockMetrics implements MeterBinder {

    /** Timer: from a request for the lock to its grant or give-up. */
    public static final String WAIT = "ironfence.lock.wait";
    /** Timer: from a grant of the lock to its release. */
    public static final String HELD = "ironfence.lock.held";
    /** Counter: grants that had to wait. */
    public static final String CONTENDED = "ironfence.lock.contended";
    /** Gauge: requests waiting now. */
    public static final String WAITING = "ironfence.lock.waiting";
    /** Gauge: holders now (each reader counts). */
    public static final String HOLDERS = "ironfence.lock.holders";

    /** Tag on every meter: the lock's name (never a key). */
    public static final String LOCK_TAG = "lock";
    /** Tag: {@code exclusive} or {@code shared} ({@link LockMode#tagValue()}). */
    public static final String MODE_TAG = "mode";
    /** Tag of {@link #WAIT}: how the wait ended ({@link WaitOutcome#tagValue()}). */
    public static final String OUTCOME_TAG = "outcome";

    private static final LockMode[] MODES = LockMode.values();
    private static final WaitOutcome[] OUTCOMES = WaitOutcome.values();

    private final String name;
    private final boolean shared;
    private final IntSupplier waiting;
    private final IntSupplier holders;
    private final Tags tags;
    private final List<Meters> bound = new CopyOnWriteArrayList<>();
    private final LockListener listener = new Recorder();

    /**
     * Meters for a group of locks reported under one name. Attach {@link #listener()} to each lock
     * of the group (including locks created later); the gauges sum over {@code locks}.
     *
     * @param name   the {@code lock} tag
     * @param shared whether the locks can be held in shared mode (read-write locks): shared-mode
     *               meters are registered only then
     * @param locks  the group's locks now, for the gauges
     * @param tags   extra tags for every meter
     */
    public LockMetrics(String name, boolean shared, Supplier<? extends Iterable<? extends ObservableLock>> locks,
            Iterable<Tag> tags) {
        this(name, shared, () -> sum(locks.get(), ObservableLock::getQueueLength),
                () -> sum(locks.get(), ObservableLock::getHolderCount), tags);
    }

    /**
     * Meters for locks whose waiters and holders are counted elsewhere (cluster locks count the
     * waits at the server too). Attach {@link #listener()} to whatever reports the locks' events.
     *
     * @param name    the {@code lock} tag
     * @param shared  whether the locks can be held in shared mode
     * @param waiting the requests waiting now, for {@link #WAITING}
     * @param holders the holders now, for {@link #HOLDERS}
     * @param tags    extra tags for every meter
     */
    public LockMetrics(String name, boolean shared, IntSupplier waiting, IntSupplier holders, Iterable<Tag> tags) {
        this.name = name;
        this.shared = shared;
        this.waiting = waiting;
        this.holders = holders;
        this.tags = Tags.of(LOCK_TAG, name).and(tags);
    }

    private static int sum(Iterable<? extends ObservableLock> locks, ToIntFunction<ObservableLock> count) {
        int sum = 0;
        for (ObservableLock lock : locks) {
            sum += count.applyAsInt(lock);
        }
        return sum;
    }

    /**
     * Meters for one lock, tagged with its name; the binder's listener is attached to the lock.
     *
     * @param lock the lock
     * @return the binder: {@code bindTo(registry)} registers and starts recording
     */
    public static LockMetrics of(ObservableLock lock) {
        return of(lock, Tags.empty());
    }

    /**
     * @param lock the lock
     * @param tags extra tags for every meter
     * @return the binder, with its listener attached to the lock
     */
    public static LockMetrics of(ObservableLock lock, Iterable<Tag> tags) {
        LockMetrics metrics = new LockMetrics(lock.getName(), lock instanceof RWLock<?>, () -> List.of(lock), tags);
        lock.addListener(metrics.listener());
        return metrics;
    }

    /** @return the listener that records into every registry this binder is bound to */
    public LockListener listener() {
        return listener;
    }

    /** @return the {@code lock} tag */
    public String getName() {
        return name;
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        bound.add(new Meters(registry));
        Gauge.builder(WAITING, this, LockMetrics::waiting).tags(tags).strongReference(true)
                .description("Requests waiting for the lock now").register(registry);
        Gauge.builder(HOLDERS, this, LockMetrics::holders).tags(tags).strongReference(true)
                .description("Holders of the lock now (each reader counts)").register(registry);
    }

    private double waiting() {
        return waiting.getAsInt();
    }

    private double holders() {
        return holders.getAsInt();
    }

    /** One registry's meters, looked up once: recording is an array index and a record call. */
    private final class Meters {

        final Timer[][] wait = new Timer[MODES.length][OUTCOMES.length];
        final Timer[] held = new Timer[MODES.length];
        final Counter[] contended = new Counter[MODES.length];

        Meters(MeterRegistry registry) {
            for (LockMode mode : MODES) {
                if (mode == LockMode.SHARED && !shared) {
                    continue;
                }
                Tags modeTags = tags.and(MODE_TAG, mode.tagValue());
                for (WaitOutcome outcome : OUTCOMES) {
                    wait[mode.ordinal()][outcome.ordinal()] = Timer.builder(WAIT)
                            .tags(modeTags).tag(OUTCOME_TAG, outcome.tagValue())
                            .description("Time from a request for the lock to its grant or give-up")
                            .register(registry);
                }
                held[mode.ordinal()] = Timer.builder(HELD).tags(modeTags)
                        .description("Time from a grant of the lock to its release").register(registry);
                contended[mode.ordinal()] = Counter.builder(CONTENDED).tags(modeTags)
                        .description("Grants of the lock that had to wait").register(registry);
            }
        }
    }

    private final class Recorder implements LockListener {

        @Override
        public void onAcquire(ObservableLock lock, Guard<?> guard, LockMode mode, long requestNanos, long grantNanos,
                boolean waited, boolean async) {
            for (Meters meters : bound) {
                Timer timer = meters.wait[mode.ordinal()][WaitOutcome.ACQUIRED.ordinal()];
                if (timer != null) {
                    timer.record(grantNanos - requestNanos, TimeUnit.NANOSECONDS);
                    if (waited) {
                        meters.contended[mode.ordinal()].increment();
                    }
                }
            }
        }

        @Override
        public void onRelease(ObservableLock lock, Guard<?> guard, LockMode mode, long grantNanos, long releaseNanos) {
            for (Meters meters : bound) {
                Timer timer = meters.held[mode.ordinal()];
                if (timer != null) {
                    timer.record(releaseNanos - grantNanos, TimeUnit.NANOSECONDS);
                }
            }
        }

        @Override
        public void onGiveUp(ObservableLock lock, LockMode mode, WaitOutcome outcome, long requestNanos,
                long giveUpNanos) {
            for (Meters meters : bound) {
                Timer timer = meters.wait[mode.ordinal()][outcome.ordinal()];
                if (timer != null) {
                    timer.record(giveUpNanos - requestNanos, TimeUnit.NANOSECONDS);
                }
            }
        }
    }
}
