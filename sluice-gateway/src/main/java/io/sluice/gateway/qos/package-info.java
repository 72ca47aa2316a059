/**
 * Quality of service per volume: QEMU-style leaky buckets ({@link io.sluice.gateway.qos.LeakyBucket},
 * {@link io.sluice.gateway.qos.Throttle}) for limits and bursts, and an mClock tag scheduler
 * ({@link io.sluice.gateway.qos.QosScheduler}) for reservations and weights among the volumes that share a backend.
 * Parameters are immutable ({@link io.sluice.gateway.qos.QosParameters}) and replaced whole, by version, through
 * {@link io.sluice.gateway.qos.QosControl}. All timing is against an injected {@link io.sluice.gateway.qos.NanoClock}.
 */
package io.sluice.gateway.qos;
