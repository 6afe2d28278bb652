/**
 * Micrometer Observation of IronFence waits: a wait that has to queue is an
 * {@code ironfence.lock.queued} observation, a child of the caller's current one (a span in a
 * trace); an uncontended acquisition creates none.
 */
@NullMarked
package io.ironfence.spring.observation;

import org.jspecify.annotations.NullMarked;
