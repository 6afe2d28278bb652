/**
 * {@code @WithLock} / {@code @ReadLocked} on Spring beans: the bean post-processor that adds the
 * advisor, the interceptor (blocking, {@code CompletionStage} and reactive return types), and
 * the parsing and checking of each annotated method.
 * <p>Nothing in this package is null unless marked {@code @Nullable}.
 */
@NullMarked
package io.ironfence.spring.aop;

import org.jspecify.annotations.NullMarked;
