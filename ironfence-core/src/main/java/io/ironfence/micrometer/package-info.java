/**
 * Micrometer meters of IronFence locks ({@link io.ironfence.micrometer.LockMetrics}). Micrometer is
 * an optional dependency of the core: only this package needs it.
 * <p>Nothing in this package is null unless marked {@code @Nullable}.
 */
@NullMarked
package io.ironfence.micrometer;

import org.jspecify.annotations.NullMarked;
