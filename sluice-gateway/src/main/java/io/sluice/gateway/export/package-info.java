/**
 * Exports (volumes) and the path of a request through one: the {@link io.sluice.gateway.export.RequestScheduler} of the
 * export's {@link io.sluice.gateway.export.BackendGroup}, where QoS decides when a request may reach the backend, and
 * the group's dispatcher threads that run it there.
 */
package io.sluice.gateway.export;
