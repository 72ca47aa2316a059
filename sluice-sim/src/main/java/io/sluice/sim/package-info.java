/**
 * The gateway simulator: thousands of simulated I/O performance gateways in one process, each speaking the real
 * protocol ({@code io.sluice.protocol}) to a monitor over its own TCP connection, with synthetic statistics that answer
 * to the throttle parameters they receive ({@link io.sluice.sim.SyntheticVolume}) and chosen ones misbehaving
 * ({@link io.sluice.sim.FaultMode}). It is the load for the monitor's scale tests and the plant for the SLA services'
 * control tests.
 *
 * <p>Start with {@link io.sluice.sim.Simulator} (configured by {@link io.sluice.sim.SimContext}), read what it saw with
 * {@link io.sluice.sim.Simulator#snapshot()}; {@link io.sluice.sim.SimMain} is {@code sluice sim}. Threads: see
 * CONCURRENCY.md in the module.
 */
package io.sluice.sim;
