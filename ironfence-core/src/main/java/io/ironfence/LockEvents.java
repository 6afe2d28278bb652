package io.ironfence;

import io.ironfence.spi.WaitOutcome;

import org.jspecify.annotations.Nullable;

/**
 * JDK Flight Recorder events of waits that had to queue ({@code io.ironfence.LockWait}, and
 * {@code io.ironfence.AsyncLockWait} for asynchronous requests), without a reference to
 * {@code jdk.jfr} here: every such reference lives in {@link JfrLockEvents}, which is loaded only
 * when the {@code jdk.jfr} module is present and {@code -Dironfence.jfr=false} does not turn the
 * events off. So runtimes without JFR (a jlink image without the module) still run IronFence, as
 * Netty and Hibernate do it.
 * <p>
 * Only the slow path calls in here, once a request is about to queue; an event object is
 * allocated only while a recording has the event enabled.
 */
final class LockEvents {

    /** Folded to false by the JIT when JFR is absent or turned off: then nothing below runs. */
    private static final boolean AVAILABLE = available();

    private LockEvents() {
    }

    private static boolean available() {
        if ("false".equalsIgnoreCase(System.getProperty("ironfence.jfr"))) {
            return false;
        }
        try {
            return ModuleLayer.boot().findModule("jdk.jfr").isPresent() && JfrLockEvents.init();
        } catch (LinkageError | RuntimeException e) {
            return false; // no JFR here: IronFence runs without its events
        }
    }

    /**
     * Starts the event of a blocking wait, called just after the request joined the queue.
     *
     * @return the event, or null when no recording wants it
     */
    static @Nullable Object beginWait(Sync lock) {
        return AVAILABLE ? JfrLockEvents.begin(false, lock, lock.getQueueLength() - 1) : null;
    }

    /**
     * Starts the event of an asynchronous wait, called just before the request joins the queue (so
     * that the event is published with the request, to the thread that will grant it).
     *
     * @return the event, or null when no recording wants it
     */
    static @Nullable Object beginAsyncWait(Sync lock) {
        return AVAILABLE ? JfrLockEvents.begin(true, lock, lock.getQueueLength()) : null;
    }

    /**
     * Ends and, if it passed the recording's threshold, commits a wait's event.
     *
     * @param event what a {@code begin} method returned (null: nothing to do)
     */
    static void endWait(@Nullable Object event, boolean shared, WaitOutcome outcome) {
        if (AVAILABLE && event != null) {
            JfrLockEvents.end(event, Sync.mode(shared).tagValue(), outcome.tagValue());
        }
    }
}
