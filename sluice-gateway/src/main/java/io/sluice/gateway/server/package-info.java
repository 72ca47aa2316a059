/**
 * The NBD server: accepting clients, the handshake, and per-connection reader and writer threads with their request
 * slots, buffer pools and reply senders.
 */
package io.sluice.gateway.server;
