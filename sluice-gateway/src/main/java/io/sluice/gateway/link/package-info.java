/**
 * The gateway's link to the performance monitor daemon: {@link io.sluice.gateway.link.MonitorLink} connects,
 * authenticates, registers the exports as volumes, answers every POLL with a STATS report, applies THROTTLE_SETs
 * through {@link io.sluice.gateway.qos.QosControl} and keeps the last limits (fail-static) while the monitor is away.
 * The frames and their order are sluice-protocol's (its SESSION.md).
 */
package io.sluice.gateway.link;
