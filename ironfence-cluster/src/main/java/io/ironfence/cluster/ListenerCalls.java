package io.ironfence.cluster;

import java.util.List;
import java.util.function.Consumer;

/** Tells listeners of an event; a listener that throws is logged and skipped, never the lock's problem. */
final class ListenerCalls {

    private static final System.Logger logger = System.getLogger("io.ironfence");

    private ListenerCalls() {
    }

    static <L> void fire(List<L> listeners, Consumer<L> event, String lockName) {
        for (L listener : listeners) {
            try {
                event.accept(listener);
            } catch (RuntimeException e) {
                logger.log(System.Logger.Level.WARNING, "A listener of cluster lock '" + lockName
                        + "' failed; the lock is not affected", e);
            }
        }
    }
}
