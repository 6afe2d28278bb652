/** Micrometer meters for every lock of a {@link io.ironfence.spring.LockRegistry}. */
package io.ironfence.spring.micrometer;
