/** The {@code locks} actuator endpoint. */
package io.ironfence.spring.boot.actuate;
