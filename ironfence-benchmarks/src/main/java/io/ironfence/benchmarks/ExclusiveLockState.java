package io.ironfence.benchmarks;

import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/** The exclusive lock under test, shared by all threads of a contended benchmark. */
@State(Scope.Benchmark)
public class ExclusiveLockState {

    @Param({"ironfence", "reentrant", "reentrant-fair", "synchronized"})
    public String impl;

    Locks.ExclusiveSection section;

    @Setup
    public void setUp() {
        section = Locks.exclusive(impl);
    }
}
