package io.sluice.gateway.link;

import io.sluice.protocol.AuthDescriptor;
import io.sluice.protocol.Authenticator;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.List;
import javax.net.ssl.SSLContext;

/**
 * How a gateway reaches its monitor (the {@code monitor:} section of the config file, or the {@code --monitor*}
 * options).
 *
 * @param addresses the monitors' gateway ports, tried in turn (MonitorRotation): one, or a pair's servers; a standby
 *     among them sends the gateway to the active one
 * @param gatewayId this gateway's id, never 0; the monitor knows (or enrolls) gateways by it
 * @param key the gateway's key: read from a key file, or {@code GatewayKeys.derive(secret, id)}
 * @param enrollmentToken presented in AUTH so an unknown gateway is enrolled at once; empty for none
 * @param gatewayName for people (HELLO's name): {@code gateway-ID} unless configured
 * @param heartbeatMillis a HEARTBEAT goes out when nothing else was sent for this long
 * @param backoffMinMillis first reconnect delay; doubled after each failure in a row ...
 * @param backoffMaxMillis ... up to this; each delay is drawn in [delay / 2, delay] (jitter)
 * @param connectTimeoutMillis TCP connect timeout, and the longest the handshake may take
 * @param capacityWarningPercent an EVENT CAPACITY_WARNING goes out when a volume's backend is this full (0: never)
 * @param volumeIdBase volume ids on the wire are this plus the export's position from 1, so the gateways of one
 *     installation can be given ranges that do not overlap
 * @param tls TLS 1.3 towards the monitor: this gateway's certificate (CN {@code gateway-<id>}), issued by the operator
 *     or enrolled for, and the authority the monitor's certificate must come from; null for insecure plaintext
 */
public record MonitorLinkConfig(
        List<InetSocketAddress> addresses,
        long gatewayId,
        byte[] key,
        byte[] enrollmentToken,
        String gatewayName,
        long heartbeatMillis,
        long backoffMinMillis,
        long backoffMaxMillis,
        int connectTimeoutMillis,
        int capacityWarningPercent,
        int volumeIdBase,
        LinkIdentity tls) {
    public static final long DEFAULT_HEARTBEAT_MILLIS = 5_000;
    public static final long DEFAULT_BACKOFF_MIN_MILLIS = 100;
    public static final long DEFAULT_BACKOFF_MAX_MILLIS = 10_000;
    public static final int DEFAULT_CONNECT_TIMEOUT_MILLIS = 5_000;
    public static final int DEFAULT_CAPACITY_WARNING_PERCENT = 90;

    public MonitorLinkConfig {
        if (addresses == null || addresses.isEmpty()) {
            throw new IllegalArgumentException("monitor address missing");
        }
        addresses = List.copyOf(addresses);
        if (new HashSet<>(addresses).size() != addresses.size()) {
            throw new IllegalArgumentException("a monitor address is listed twice: " + addresses);
        }
        if (gatewayId == 0) {
            throw new IllegalArgumentException("monitor gateway-id must be set and not 0");
        }
        if (key == null || key.length < Authenticator.MIN_KEY_LENGTH) {
            throw new IllegalArgumentException(
                    "gateway key must be at least " + Authenticator.MIN_KEY_LENGTH + " bytes");
        }
        enrollmentToken = enrollmentToken == null ? new byte[0] : enrollmentToken;
        if (enrollmentToken.length > AuthDescriptor.MAX_TOKEN_LENGTH) {
            throw new IllegalArgumentException(
                    "enrollment token longer than " + AuthDescriptor.MAX_TOKEN_LENGTH + " bytes");
        }
        if (gatewayName == null || gatewayName.isEmpty()) {
            gatewayName = "gateway-" + Long.toUnsignedString(gatewayId);
        }
        if (gatewayName.getBytes(StandardCharsets.UTF_8).length > 255) {
            throw new IllegalArgumentException("gateway name longer than 255 bytes");
        }
        if (heartbeatMillis < 10
                || backoffMinMillis < 1
                || backoffMaxMillis < backoffMinMillis
                || connectTimeoutMillis < 1) {
            throw new IllegalArgumentException(
                    "monitor timings out of range: heartbeat " + heartbeatMillis + " ms, backoff " + backoffMinMillis
                            + ".." + backoffMaxMillis + " ms, connect " + connectTimeoutMillis + " ms");
        }
        if (volumeIdBase < 0 || volumeIdBase > Integer.MAX_VALUE - 65_536) {
            throw new IllegalArgumentException(
                    "volume-id-base must be 0.." + (Integer.MAX_VALUE - 65_536) + ": " + volumeIdBase);
        }
        if (capacityWarningPercent < 0 || capacityWarningPercent > 100) {
            throw new IllegalArgumentException("capacity-warning-percent must be 0..100: " + capacityWarningPercent);
        }
    }

    /** Defaults for everything but the address, id and key. */
    public static MonitorLinkConfig of(InetSocketAddress address, long gatewayId, byte[] key) {
        return of(List.of(address), gatewayId, key);
    }

    /** Defaults for everything but the addresses, id and key. */
    public static MonitorLinkConfig of(List<InetSocketAddress> addresses, long gatewayId, byte[] key) {
        return new MonitorLinkConfig(
                addresses,
                gatewayId,
                key,
                null,
                null,
                DEFAULT_HEARTBEAT_MILLIS,
                DEFAULT_BACKOFF_MIN_MILLIS,
                DEFAULT_BACKOFF_MAX_MILLIS,
                DEFAULT_CONNECT_TIMEOUT_MILLIS,
                DEFAULT_CAPACITY_WARNING_PERCENT,
                0,
                null);
    }

    public MonitorLinkConfig withEnrollmentToken(String token) {
        return new MonitorLinkConfig(
                addresses,
                gatewayId,
                key,
                token == null ? null : token.getBytes(StandardCharsets.UTF_8),
                gatewayName,
                heartbeatMillis,
                backoffMinMillis,
                backoffMaxMillis,
                connectTimeoutMillis,
                capacityWarningPercent,
                volumeIdBase,
                tls);
    }

    public MonitorLinkConfig withTimings(long heartbeat, long backoffMin, long backoffMax) {
        return new MonitorLinkConfig(
                addresses,
                gatewayId,
                key,
                enrollmentToken,
                gatewayName,
                heartbeat,
                backoffMin,
                backoffMax,
                connectTimeoutMillis,
                capacityWarningPercent,
                volumeIdBase,
                tls);
    }

    public MonitorLinkConfig withGatewayName(String name) {
        return new MonitorLinkConfig(
                addresses,
                gatewayId,
                key,
                enrollmentToken,
                name,
                heartbeatMillis,
                backoffMinMillis,
                backoffMaxMillis,
                connectTimeoutMillis,
                capacityWarningPercent,
                volumeIdBase,
                tls);
    }

    @Override
    public String toString() {
        return "MonitorLinkConfig[" + addresses + ", gateway " + Long.toUnsignedString(gatewayId) + "]";
    }

    public MonitorLinkConfig withVolumeIdBase(int base) {
        return new MonitorLinkConfig(
                addresses,
                gatewayId,
                key,
                enrollmentToken,
                gatewayName,
                heartbeatMillis,
                backoffMinMillis,
                backoffMaxMillis,
                connectTimeoutMillis,
                capacityWarningPercent,
                base,
                tls);
    }

    /** TLS with a certificate the operator issued (in {@code context}), or plaintext for null. */
    public MonitorLinkConfig withTls(SSLContext context) {
        return withTls(context == null ? null : LinkIdentity.issued(context));
    }

    public MonitorLinkConfig withTls(LinkIdentity identity) {
        return new MonitorLinkConfig(
                addresses,
                gatewayId,
                key,
                enrollmentToken,
                gatewayName,
                heartbeatMillis,
                backoffMinMillis,
                backoffMaxMillis,
                connectTimeoutMillis,
                capacityWarningPercent,
                volumeIdBase,
                identity);
    }
}
