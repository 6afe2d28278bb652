/**
 * IronFence for Spring, framework side: the {@link io.ironfence.spring.NamedLockRegistry} of named
 * locks (declared, beans, or created on first use), per-key locks, and the
 * {@link io.ironfence.spring.LockMonitor} that keeps each name's counts and current holders.
 * <p>Nothing in this package is null unless marked {@code @Nullable}.
 */
@NullMarked
package io.ironfence.spring;

import org.jspecify.annotations.NullMarked;
