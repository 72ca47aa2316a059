/**
 * The I/O performance gateway: an NBD server in front of storage. {@link io.sluice.gateway.GatewayMain} is the process,
 * {@link io.sluice.gateway.GatewayContext} its configuration and {@link io.sluice.gateway.Gateway} its parts in start
 * order (and, through {@code qos()} and {@code stats()}, what the monitor link will use). QoS is in
 * {@link io.sluice.gateway.qos}, statistics in {@link io.sluice.gateway.stats}. The wire formats are in
 * {@link io.sluice.gateway.nbd.NbdDescriptor}; who runs where is in CONCURRENCY.md in this module.
 */
package io.sluice.gateway;
