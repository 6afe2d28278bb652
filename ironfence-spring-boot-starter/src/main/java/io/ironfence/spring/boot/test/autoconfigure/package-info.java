/** Test-slice support: {@link io.ironfence.spring.boot.test.autoconfigure.AutoConfigureIronFence}. */
package io.ironfence.spring.boot.test.autoconfigure;
