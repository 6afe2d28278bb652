package io.ironfence;

/**
 * Thrown, before waiting, by an acquisition that takes two locks in the opposite order to one
 * taken before (A then B somewhere, B then A now): two threads doing both can deadlock. The
 * message names both orders and where each was taken. Thrown only where lock order is checked
 * (the Spring starter with {@code ironfence.lock-order=throw}); nothing is held or left waiting.
 */
public class LockOrderException extends IllegalStateException {

    private static final long serialVersionUID = 1L;

    /** @param message both orders, and the methods that took them */
    public LockOrderException(String message) {
        super(message);
    }
}
