/**
 * The NBD server: accepting clients, the handshake, and per-connection reader and writer threads
 * with their request slots and buffer pools.
 */
package io.sluice.gateway.server;
