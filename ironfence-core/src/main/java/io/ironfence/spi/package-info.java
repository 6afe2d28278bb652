/**
 * The instrumentation SPI: {@link io.ironfence.spi.LockListener} lets metrics, holder tracking and
 * stuck-lock detection observe a lock without the lock knowing about any of them.
 */
package io.ironfence.spi;
