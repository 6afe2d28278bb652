package io.ironfence;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Event;
import jdk.jfr.EventType;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;
import jdk.jfr.Threshold;

import org.jspecify.annotations.Nullable;

/**
 * Every {@code jdk.jfr} reference of IronFence, loaded only through {@link LockEvents} once the
 * module is known to be there. Events are allocated only when their type is enabled in a running
 * recording; {@code shouldCommit()} then applies its threshold (20 ms unless the recording says
 * otherwise, like {@code jdk.ThreadPark}).
 */
final class JfrLockEvents {

    private static final EventType WAIT = EventType.getEventType(LockWait.class);
    private static final EventType ASYNC_WAIT = EventType.getEventType(AsyncLockWait.class);

    private JfrLockEvents() {
    }

    /** @return true: the event types could be registered */
    static boolean init() {
        return WAIT != null && ASYNC_WAIT != null;
    }

    /**
     * @param async whether the wait is asynchronous
     * @param ahead requests ahead of it in the queue when it joined
     * @return the started event, or null when its type is not enabled in any recording
     */
    static @Nullable Object begin(boolean async, Sync lock, int ahead) {
        if (!(async ? ASYNC_WAIT : WAIT).isEnabled()) {
            return null;
        }
        WaitEvent event = async ? new AsyncLockWait() : new LockWait();
        event.lock = lock.getName();
        event.queueLength = Math.max(0, ahead);
        event.holder = lock.exclusiveOwner();
        event.begin();
        return event;
    }

    static void end(Object started, String mode, String outcome) {
        WaitEvent event = (WaitEvent) started;
        event.end();
        if (event.shouldCommit()) {
            event.mode = mode;
            event.outcome = outcome;
            event.commit();
        }
    }

    /** The fields both events share. */
    @Category("IronFence")
    @Threshold("20 ms")
    abstract static class WaitEvent extends Event {

        @Label("Lock")
        @Description("The lock's name")
        String lock;

        @Label("Mode")
        @Description("exclusive or shared")
        String mode;

        @Label("Outcome")
        @Description("acquired, timeout, cancelled or interrupted (as the ironfence.lock.wait meter's)")
        String outcome;

        @Label("Queue Length")
        @Description("Requests ahead of this one in the queue when it joined")
        int queueLength;

        @Label("Holder")
        @Description("The thread that held the lock exclusively when the wait began, if a thread did")
        @Nullable Thread holder;
    }

    @Name("io.ironfence.LockWait")
    @Label("IronFence Lock Wait")
    @Description("A thread waited in the queue of an IronFence lock")
    @StackTrace(true)
    static final class LockWait extends WaitEvent {
    }

    @Name("io.ironfence.AsyncLockWait")
    @Label("IronFence Async Lock Wait")
    @Description("An asynchronous request waited in the queue of an IronFence lock; recorded on the thread "
            + "that granted or withdrew it, so without a stack trace")
    @StackTrace(false)
    static final class AsyncLockWait extends WaitEvent {
    }
}
