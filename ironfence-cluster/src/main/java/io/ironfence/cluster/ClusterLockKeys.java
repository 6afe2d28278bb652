package io.ironfence.cluster;

import org.jspecify.annotations.Nullable;

import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.UUID;

/**
 * Turns a lock's name and key into the 64-bit key of the remote lock. Every JVM of every instance
 * must compute the same number for the same name and key, so only keys whose encoding does not
 * depend on the JVM are accepted: {@code String}, integral numbers, {@code UUID} and enums (by
 * class and constant name). {@code hashCode()} would not do: it may differ between JVMs.
 * <p>
 * The number is the first 8 bytes of a SHA-256 of the encoding. Two keys that collide share a
 * remote lock, which costs false contention, never a second holder.
 */
public final class ClusterLockKeys {

    private static final byte NO_KEY = 0;
    private static final byte STRING = 1;
    private static final byte INTEGER = 2;
    private static final byte UUID_KEY = 3;
    private static final byte ENUM = 4;

    private ClusterLockKeys() {
    }

    /**
     * @param name the lock's name
     * @param key  the key of a keyed lock, or null for the single lock of the name
     * @return the 64-bit key of the remote lock
     * @throws IllegalArgumentException if the key's type does not encode the same in every JVM
     */
    public static long of(String name, @Nullable Object key) {
        MessageDigest sha = sha256();
        sha.update(name.getBytes(StandardCharsets.UTF_8));
        sha.update((byte) 0);
        if (key == null) {
            sha.update(NO_KEY);
        } else if (key instanceof CharSequence text) {
            sha.update(STRING);
            sha.update(text.toString().getBytes(StandardCharsets.UTF_8));
        } else if (key instanceof Long || key instanceof Integer || key instanceof Short || key instanceof Byte
                || key instanceof BigInteger) {
            // One encoding for every integral type: 42, 42L and BigInteger.valueOf(42) are one key.
            sha.update(INTEGER);
            sha.update(new BigInteger(key.toString()).toByteArray());
        } else if (key instanceof UUID uuid) {
            sha.update(UUID_KEY);
            sha.update(ByteBuffer.allocate(16).putLong(uuid.getMostSignificantBits())
                    .putLong(uuid.getLeastSignificantBits()).array());
        } else if (key instanceof Enum<?> constant) {
            sha.update(ENUM);
            sha.update((constant.getDeclaringClass().getName() + "." + constant.name()).getBytes(StandardCharsets.UTF_8));
        } else {
            throw new IllegalArgumentException("A cluster lock's key must encode the same in every JVM, but lock '" + name
                    + "' got a key of type " + key.getClass().getName() + ". Use a String, an integral number, a UUID "
                    + "or an enum (for example key = \"#order.id\" instead of key = \"#order\").");
        }
        return ByteBuffer.wrap(sha.digest()).getLong();
    }

    /** The key types {@link #of} accepts; a declared type related to none of them can never be a key. */
    private static final Class<?>[] ENCODABLE = {CharSequence.class, Long.class, Integer.class, Short.class, Byte.class,
            BigInteger.class, UUID.class, Enum.class};

    /**
     * Whether a key declared of this type can be encoded: true if the type, or some of its values,
     * are of an accepted type ({@code Object} and {@code Comparable} may be; {@code LocalDate}
     * never is), so that a key that can never work fails at start-up rather than on every call.
     *
     * @param declared the declared type of the key (primitive types are taken as their wrappers)
     * @return false if no value of the type can be a key
     */
    public static boolean canEncode(Class<?> declared) {
        Class<?> type = declared == long.class ? Long.class : declared == int.class ? Integer.class
                : declared == short.class ? Short.class : declared == byte.class ? Byte.class : declared;
        for (Class<?> encodable : ENCODABLE) {
            if (type.isAssignableFrom(encodable) || encodable.isAssignableFrom(type)) {
                return true;
            }
        }
        return false;
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("Every Java platform has SHA-256", e);
        }
    }
}
