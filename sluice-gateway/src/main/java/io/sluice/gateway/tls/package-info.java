/** TLS on NBD connections after NBD_OPT_STARTTLS, for the gateway's clients and toward its upstreams. */
package io.sluice.gateway.tls;
