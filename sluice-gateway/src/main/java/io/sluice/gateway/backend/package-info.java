/**
 * Storage behind an export: a file or block device with positional I/O, or an upstream NBD server reached as a client.
 * All return NBD error values instead of throwing on the data path.
 */
package io.sluice.gateway.backend;
