package io.ironfence.spi;

import java.util.Locale;

/** How a lock is held: alone, or beside other readers. */
public enum LockMode {

    /** A {@code Mutex} hold, or an {@code RWLock} write hold. */
    EXCLUSIVE,

    /** An {@code RWLock} read hold. */
    SHARED;

    private final String tagValue = name().toLowerCase(Locale.ROOT);

    /** @return the lower-case name used in metric tags and JSON: {@code exclusive} or {@code shared} */
    public String tagValue() {
        return tagValue;
    }
}
