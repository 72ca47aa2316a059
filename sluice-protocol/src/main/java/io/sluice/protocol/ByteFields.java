package io.sluice.protocol;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * Variable fields: text (names, messages) and opaque bytes (nonces, tokens). They live only in frames that are rare
 * (HELLO, CHALLENGE, AUTH, AUTH_RESULT, EVENT), so going through a temporary array is fine; the per-poll frames carry
 * none.
 */
final class ByteFields {
    private ByteFields() {}

    /** Writes {@code text} as UTF-8 at {@code offset}; returns its length, which must be within bounds. */
    static int putUtf8(ByteBuffer buffer, int offset, String text, int minLength, int maxLength) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        if (bytes.length < minLength || bytes.length > maxLength) {
            throw new IllegalArgumentException(
                    "'" + text + "' is " + bytes.length + " bytes of UTF-8, must be " + minLength + ".." + maxLength);
        }
        buffer.put(offset, bytes);
        return bytes.length;
    }

    /** Decodes UTF-8; malformed sequences become U+FFFD (the decoder does not judge text). */
    static String getUtf8(ByteBuffer buffer, int offset, int length) {
        return new String(getBytes(buffer, offset, length), StandardCharsets.UTF_8);
    }

    static byte[] getBytes(ByteBuffer buffer, int offset, int length) {
        byte[] bytes = new byte[length];
        buffer.get(offset, bytes);
        return bytes;
    }
}
