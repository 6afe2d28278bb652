/**
 * The instrumentation SPI: {@link io.ironfence.spi.LockListener} lets metrics, holder tracking and
 * stuck-lock detection observe a lock without the lock knowing about any of them.
 * <p>Nothing in this package is null unless marked {@code @Nullable}.
 */
@NullMarked
package io.ironfence.spi;

import org.jspecify.annotations.NullMarked;
