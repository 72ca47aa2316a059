package io.sluice.protocol;

/**
 * How a gateway's TLS client certificate names it: the common name {@code gateway-<id>}, the id in decimal. The monitor
 * takes the gateway id from the certificate and refuses a HELLO that claims another.
 */
public final class GatewayCertificateName {
    public static final String PREFIX = "gateway-";

    private GatewayCertificateName() {}

    public static String of(long gatewayId) {
        return PREFIX + Long.toUnsignedString(gatewayId);
    }

    /** The gateway id a certificate's common name gives, or 0 (no gateway) when it names none. */
    public static long gatewayId(String commonName) {
        if (commonName == null || !commonName.startsWith(PREFIX)) {
            return 0;
        }
        try {
            return Long.parseUnsignedLong(commonName.substring(PREFIX.length()));
        } catch (NumberFormatException e) {
            return 0;
        }
    }
}
