/**
 * Test-slice support: {@link io.ironfence.spring.boot.test.autoconfigure.AutoConfigureIronFence}.
 * <p>Nothing in this package is null unless marked {@code @Nullable}.
 */
@NullMarked
package io.ironfence.spring.boot.test.autoconfigure;

import org.jspecify.annotations.NullMarked;
