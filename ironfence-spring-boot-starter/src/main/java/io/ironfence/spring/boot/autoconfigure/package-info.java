/** Spring Boot auto-configuration and {@code ironfence.*} properties. */
package io.ironfence.spring.boot.autoconfigure;
