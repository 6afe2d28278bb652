/** Micrometer meters for every lock of a {@link io.ironfence.spring.NamedLockRegistry}. */
package io.ironfence.spring.micrometer;
