package io.sluice.monitor;

import io.sluice.pki.RevocationList;
import javax.net.ssl.SSLContext;

/**
 * TLS on the gateway link: the monitor's own certificate and the authority its gateways' certificates must
 * come from (in {@code context}), and that authority's revocations, checked at each handshake by the context
 * and again for the sessions already open, which are closed when their certificate is revoked.
 */
public record MonitorTls(SSLContext context, RevocationList revocations) {
}
