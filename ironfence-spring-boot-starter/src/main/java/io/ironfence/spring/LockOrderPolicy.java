package io.ironfence.spring;

/** What {@code ironfence.lock-order} does when locks are nested in an order that can deadlock. */
public enum LockOrderPolicy {

    /** Nothing is checked. */
    OFF,

    /** The first acquisition that takes two locks in the opposite order to an earlier one is logged at WARN. */
    WARN,

    /** Such an acquisition fails, before waiting, with {@link io.ironfence.LockOrderException}. */
    THROW
}
