/**
 * Method annotations that run a method under a named lock: {@link io.ironfence.annotation.WithLock}
 * (exclusive) and {@link io.ironfence.annotation.ReadLocked} (shared). They live in the core so that
 * code can be annotated without depending on Spring; the IronFence Spring Boot starter applies them.
 * <p>Nothing in this package is null unless marked {@code @Nullable}.
 */
@NullMarked
package io.ironfence.annotation;

import org.jspecify.annotations.NullMarked;
