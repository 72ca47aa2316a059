/**
 * A storage model for control tests and the control benchmark: a shared backend whose latency grows with its queue,
 * with per-gateway schedulers in front of it, stepped one interval at a time on the real STATS and THROTTLE_SET layouts
 * ({@link io.sluice.sim.storage.SimulatedBackend}). No threads, no sockets: the SLA services' analyzer is closed around
 * it in-process.
 */
package io.sluice.sim.storage;
