package io.sluice.protocol;

/**
 * Why a {@link FrameDecoder} gave up on a connection. Every one of them means the byte stream can no longer be trusted,
 * so the receiver closes that connection (and only that one); none is retried. {@link FrameDecoder#errorValue()} holds
 * the offending value named here.
 */
public enum FrameError {
    /** The stream ended inside a frame. Value: bytes of the partial frame. */
    TRUNCATED,
    /** The declared length is above the receiver's maximum. Value: the declared length (unsigned). */
    OVERSIZE,
    /** The declared length is shorter than the header. Value: the declared length. */
    UNDERSIZE,
    /** The header's version is not {@link FrameDescriptor#PROTOCOL_VERSION}. Value: the version. */
    WRONG_VERSION,
    /** No frame type has this code. Value: the type code. */
    UNKNOWN_TYPE,
    /** A known type that this peer never sends (e.g. a POLL from a gateway). Value: the type code. */
    WRONG_SENDER,
    /** An unknown flag bit, or a flag the type does not allow. Value: the flags. */
    BAD_FLAGS,
    /** The sequence skipped ahead. Value: the sequence received. */
    SEQUENCE_GAP,
    /** The sequence went back or stood still. Value: the sequence received. */
    SEQUENCE_REPEAT,
    /** The gateway id is 0 or not the connection's. Value: the gateway id received. */
    GATEWAY_MISMATCH,
    /** A frame that is not part of the handshake, before the sender authenticated. Value: the type code. */
    BEFORE_AUTHENTICATION,
    /** The body does not fit its type's layout (counts, lengths, codes, reserved fields). Value: the type code. */
    MALFORMED
}
