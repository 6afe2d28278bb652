/**
 * The {@code locks} actuator endpoint.
 * <p>Nothing in this package is null unless marked {@code @Nullable}.
 */
@NullMarked
package io.ironfence.spring.boot.actuate;

import org.jspecify.annotations.NullMarked;
