/**
 * IronFence in web applications: a lock a request could not have becomes
 * {@code 503 Service Unavailable} with {@code Retry-After}, and the queued lock requests of a Spring
 * MVC async request are withdrawn when that request ends without them (timeout, error, client gone).
 */
@NullMarked
package io.ironfence.spring.web;

import org.jspecify.annotations.NullMarked;
