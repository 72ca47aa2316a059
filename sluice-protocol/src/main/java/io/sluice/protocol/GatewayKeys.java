package io.sluice.protocol;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Per-gateway keys derived from one deployment secret: key = HMAC-SHA256(secret, "sluice-gateway-key" || gateway id).
 * An installer hands each gateway its own key; the monitor re-derives it instead of storing thousands of keys, and a
 * leaked gateway key reveals neither the secret nor any other gateway's key.
 */
public final class GatewayKeys {
    private static final byte[] LABEL = "sluice-gateway-key".getBytes(StandardCharsets.US_ASCII);

    private GatewayKeys() {}

    public static byte[] derive(byte[] deploymentSecret, long gatewayId) {
        if (deploymentSecret.length < Authenticator.MIN_KEY_LENGTH) {
            throw new IllegalArgumentException(
                    "deployment secret must be at least " + Authenticator.MIN_KEY_LENGTH + " bytes");
        }
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(deploymentSecret, "HmacSHA256"));
            mac.update(LABEL);
            mac.update(ByteBuffer.allocate(Long.BYTES).putLong(gatewayId).array());
            return mac.doFinal();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is part of every JDK", e);
        }
    }
}
