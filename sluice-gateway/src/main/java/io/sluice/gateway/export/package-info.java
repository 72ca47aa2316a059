/**
 * Exports (volumes) and the path of a request through one: the per-export
 * {@link io.sluice.gateway.export.RequestScheduler} where QoS will decide when a request may reach the
 * backend, and the dispatcher threads that run it there.
 */
package io.sluice.gateway.export;
