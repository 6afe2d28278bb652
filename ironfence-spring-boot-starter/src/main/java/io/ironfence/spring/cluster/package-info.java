/**
 * Cluster scope for the starter: names declared {@code scope: cluster} served by
 * {@code io.ironfence:ironfence-cluster} on PostgreSQL advisory locks. Only loaded when that module
 * is on the class path.
 */
@NullMarked
package io.ironfence.spring.cluster;

import org.jspecify.annotations.NullMarked;
