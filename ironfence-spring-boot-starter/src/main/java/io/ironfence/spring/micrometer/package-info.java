/**
 * Micrometer meters for every lock of a {@link io.ironfence.spring.NamedLockRegistry}.
 * <p>Nothing in this package is null unless marked {@code @Nullable}.
 */
@NullMarked
package io.ironfence.spring.micrometer;

import org.jspecify.annotations.NullMarked;
