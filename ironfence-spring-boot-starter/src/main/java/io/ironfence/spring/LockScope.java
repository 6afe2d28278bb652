package io.ironfence.spring;

/** Where a named lock holds: {@code ironfence.locks.<name>.scope}. */
public enum LockScope {

    /** In this JVM only (the default). */
    LOCAL,

    /** Across every instance of the service (module {@code io.ironfence:ironfence-cluster}). */
    CLUSTER
}
