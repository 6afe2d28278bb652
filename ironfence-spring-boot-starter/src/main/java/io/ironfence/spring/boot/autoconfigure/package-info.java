/**
 * Spring Boot auto-configuration and {@code ironfence.*} properties.
 * <p>Nothing in this package is null unless marked {@code @Nullable}.
 */
@NullMarked
package io.ironfence.spring.boot.autoconfigure;

import org.jspecify.annotations.NullMarked;
