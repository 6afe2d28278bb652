/**
 * Spring Boot auto-configuration for IronFence. Placeholder until the starter issue lands: the
 * module builds so that the layout of DESIGN.md section 1 exists from the start.
 */
package io.ironfence.spring.boot;
