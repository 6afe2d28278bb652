/**
 * Micrometer meters of IronFence locks ({@link io.ironfence.micrometer.LockMetrics}). Micrometer is
 * an optional dependency of the core: only this package needs it.
 */
package io.ironfence.micrometer;
