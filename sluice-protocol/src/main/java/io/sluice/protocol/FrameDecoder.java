package io.sluice.protocol;

import static io.sluice.protocol.FrameDescriptor.*;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;

/**
 * Turns the bytes of one connection into whole, checked frames. One decoder per connection, used by one thread; nothing
 * is allocated per frame.
 *
 * <pre>{@code
 * int n = decoder.readFrom(channel);              // non-blocking read into the decoder's buffer
 * DecodeStatus status;
 * while ((status = decoder.next()) == DecodeStatus.FRAME) {
 *     switch (decoder.frameType()) {
 *         case STATS -> statsReader.wrap(decoder) ...
 *     }
 * }
 * if (status == DecodeStatus.ERROR || status == DecodeStatus.END_OF_STREAM) close(connection);
 * }</pre>
 *
 * <p>The length comes first in the header, so the decoder knows how much to wait for, and it checks each part of a
 * frame as soon as its bytes are in rather than when the whole frame is: an oversize length is refused after four bytes
 * (before buffering a megabyte of garbage), a wrong version, type or flags after eight, a bad sequence or gateway id
 * after the header. The body is checked against its type's layout once complete, so a {@code *Reader} over a frame this
 * decoder returned never reads past the frame. The first failure is final: {@link #next()} keeps answering ERROR, and
 * the connection must be closed, because after a bad frame nothing says where the next one would start.
 *
 * <p>The buffer starts small and grows to the largest frame seen (never above the maximum frame length), so thousands
 * of connections that exchange small frames cost little memory. A decoder made with {@link #forConnection} starts in
 * the handshake: until {@link #authenticated()} it takes only handshake frames ({@link FrameType#isHandshake()}), none
 * longer than {@link FrameDescriptor#HANDSHAKE_MAX_FRAME_LENGTH}, and its buffer never grows past that, so a peer that
 * has proved nothing cannot make it allocate more. A frame returned by {@link #next()} stays where it is until the next
 * {@link #readFrom} or {@link #feed}, which may move or replace the buffer.
 */
public final class FrameDecoder {
    /** The smallest maximum frame length a decoder accepts: every fixed-size frame and HELLO for a few volumes. */
    public static final int MIN_MAX_FRAME_LENGTH = 1024;

    private static final int DEFAULT_INITIAL_CAPACITY = 4096;

    private final Peer sender;
    private final int maxFrameLength;
    private final int initialCapacity;
    private final long presetGatewayId;
    private final boolean handshakeFirst;

    private ByteBuffer buffer;
    private boolean authenticated;
    /** The first byte not yet returned as a frame; buffer.position() is one past the last byte received. */
    private int readIndex;

    private long expectedSequence;
    private long gatewayId;
    private boolean endOfStream;
    private FrameError error;
    private long errorValue;

    private FrameType frameType;
    private int frameOffset;
    private int frameLength;

    /** A decoder for frames sent by {@code sender}, learning the gateway id from the first frame. */
    public FrameDecoder(Peer sender, int maxFrameLength) {
        this(sender, maxFrameLength, Math.min(DEFAULT_INITIAL_CAPACITY, maxFrameLength), 0);
    }

    /**
     * @param sender whose frames this decoder reads: a monitor decodes {@link Peer#GATEWAY}'s
     * @param maxFrameLength longer frames are refused as {@link FrameError#OVERSIZE}
     * @param initialCapacity the buffer's starting size
     * @param gatewayId the id every frame must carry, or 0 to take it from the first frame
     */
    public FrameDecoder(Peer sender, int maxFrameLength, int initialCapacity, long gatewayId) {
        this(sender, maxFrameLength, initialCapacity, gatewayId, false);
    }

    /**
     * A decoder for one end of a connection, which takes only handshake frames of at most
     * {@link FrameDescriptor#HANDSHAKE_MAX_FRAME_LENGTH} bytes until {@link #authenticated()}; parameters as for the
     * constructor, the initial capacity lowered to the handshake's maximum if above it.
     */
    public static FrameDecoder forConnection(Peer sender, int maxFrameLength, int initialCapacity, long gatewayId) {
        return new FrameDecoder(
                sender, maxFrameLength, Math.min(initialCapacity, HANDSHAKE_MAX_FRAME_LENGTH), gatewayId, true);
    }

    private FrameDecoder(Peer sender, int maxFrameLength, int initialCapacity, long gatewayId, boolean handshakeFirst) {
        if (maxFrameLength < MIN_MAX_FRAME_LENGTH || maxFrameLength > MAX_FRAME_LENGTH_LIMIT) {
            throw new IllegalArgumentException("maxFrameLength must be " + MIN_MAX_FRAME_LENGTH + ".."
                    + MAX_FRAME_LENGTH_LIMIT + ": " + maxFrameLength);
        }
        if (initialCapacity < HEADER_LENGTH || initialCapacity > maxFrameLength) {
            throw new IllegalArgumentException(
                    "initialCapacity must be " + HEADER_LENGTH + ".." + maxFrameLength + ": " + initialCapacity);
        }
        this.sender = sender;
        this.maxFrameLength = maxFrameLength;
        this.initialCapacity = initialCapacity;
        this.presetGatewayId = gatewayId;
        this.handshakeFirst = handshakeFirst;
        this.buffer = ByteBuffer.allocate(initialCapacity);
        reset();
    }

    /** Forgets the connection, to serve a new one: sequence back to 1, buffer back to its starting size. */
    public void reset() {
        if (buffer.capacity() != initialCapacity) {
            buffer = ByteBuffer.allocate(initialCapacity);
        }
        buffer.clear();
        readIndex = 0;
        expectedSequence = 1;
        gatewayId = presetGatewayId;
        authenticated = !handshakeFirst;
        endOfStream = false;
        error = null;
        errorValue = 0;
        frameType = null;
    }

    /**
     * One non-blocking (or blocking) read from {@code channel} into the decoder's buffer.
     *
     * @return bytes read, 0 if none were ready (or the decoder has failed), -1 at end of stream
     */
    public int readFrom(ReadableByteChannel channel) throws IOException {
        if (endOfStream) {
            return -1;
        }
        if (error != null) {
            return 0;
        }
        makeRoom();
        int read = channel.read(buffer);
        if (read < 0) {
            endOfStream = true;
        }
        return read;
    }

    /**
     * Copies as many of {@code src}'s remaining bytes as fit, for bytes that were read elsewhere.
     *
     * @return bytes taken; fewer than remaining when the buffer is full (take frames with {@link #next()}, then feed
     *     the rest), 0 once the decoder has failed
     */
    public int feed(ByteBuffer src) {
        if (error != null || endOfStream) {
            return 0;
        }
        makeRoom();
        int count = Math.min(src.remaining(), buffer.remaining());
        buffer.put(buffer.position(), src, src.position(), count);
        buffer.position(buffer.position() + count);
        src.position(src.position() + count);
        return count;
    }

    /** The handshake succeeded: from the next frame on, every type and the full maximum frame length are taken. */
    public void authenticated() {
        authenticated = true;
    }

    /**
     * Whether frames other than the handshake's are taken (always, for a decoder not made by {@link #forConnection}).
     */
    public boolean isAuthenticated() {
        return authenticated;
    }

    /** The longest frame taken now: the maximum frame length, or the handshake's before authentication. */
    public int frameLimit() {
        return authenticated ? maxFrameLength : Math.min(maxFrameLength, HANDSHAKE_MAX_FRAME_LENGTH);
    }

    /** The peer closed its side: bytes left over that are not a whole frame are now {@link FrameError#TRUNCATED}. */
    public void endOfStream() {
        endOfStream = true;
    }

    /** Finds the next frame among the bytes received. */
    public DecodeStatus next() {
        if (error != null) {
            return DecodeStatus.ERROR;
        }
        frameType = null;
        int at = readIndex;
        int available = buffer.position() - at;
        if (available < VERSION_OFFSET) {
            if (!endOfStream) {
                return DecodeStatus.NEED_MORE;
            }
            return available == 0 ? DecodeStatus.END_OF_STREAM : fail(FrameError.TRUNCATED, available);
        }

        int length = buffer.getInt(at + LENGTH_OFFSET);
        if (length < 0 || length > frameLimit()) {
            return fail(FrameError.OVERSIZE, length & 0xFFFF_FFFFL);
        }
        if (length < HEADER_LENGTH) {
            return fail(FrameError.UNDERSIZE, length);
        }

        FrameType type = null;
        if (available >= SEQUENCE_OFFSET) {
            int version = buffer.get(at + VERSION_OFFSET) & 0xFF;
            if (version != PROTOCOL_VERSION) {
                return fail(FrameError.WRONG_VERSION, version);
            }
            int code = buffer.get(at + TYPE_OFFSET) & 0xFF;
            type = FrameType.fromCode(code);
            if (type == null) {
                return fail(FrameError.UNKNOWN_TYPE, code);
            }
            if (!type.isSentBy(sender)) {
                return fail(FrameError.WRONG_SENDER, code);
            }
            if (!authenticated && !type.isHandshake()) {
                return fail(FrameError.BEFORE_AUTHENTICATION, code);
            }
            int flags = buffer.getShort(at + FLAGS_OFFSET) & 0xFFFF;
            if ((flags & ~allowedFlags(type)) != 0) {
                return fail(FrameError.BAD_FLAGS, flags);
            }
        }

        long frameGatewayId = 0;
        if (available >= HEADER_LENGTH) {
            long sequence = buffer.getLong(at + SEQUENCE_OFFSET);
            if (sequence != expectedSequence) {
                return fail(
                        Long.compareUnsigned(sequence, expectedSequence) > 0
                                ? FrameError.SEQUENCE_GAP
                                : FrameError.SEQUENCE_REPEAT,
                        sequence);
            }
            frameGatewayId = buffer.getLong(at + GATEWAY_ID_OFFSET);
            if (frameGatewayId == 0 || (gatewayId != 0 && frameGatewayId != gatewayId)) {
                return fail(FrameError.GATEWAY_MISMATCH, frameGatewayId);
            }
        }

        if (available < length) {
            return endOfStream ? fail(FrameError.TRUNCATED, available) : DecodeStatus.NEED_MORE;
        }
        if (!isWellFormed(type, buffer, at, length)) {
            return fail(FrameError.MALFORMED, type.code());
        }

        gatewayId = frameGatewayId;
        expectedSequence++;
        frameType = type;
        frameOffset = at;
        frameLength = length;
        readIndex = at + length;
        return DecodeStatus.FRAME;
    }

    /** The type of the frame {@link #next()} last returned, or null if it returned something else. */
    public FrameType frameType() {
        return frameType;
    }

    /** The buffer holding the current frame; read it with a {@code *Reader} or absolute gets. */
    public ByteBuffer buffer() {
        return buffer;
    }

    /** Where the current frame (its header) starts in {@link #buffer()}. */
    public int frameOffset() {
        return frameOffset;
    }

    public int frameLength() {
        return frameLength;
    }

    /** The connection's gateway id: preset, or learned from the first frame; 0 before that. */
    public long gatewayId() {
        return gatewayId;
    }

    /** The sequence the next frame must carry. */
    public long expectedSequence() {
        return expectedSequence;
    }

    /** Bytes received and not yet returned as frames. */
    public int bufferedBytes() {
        return buffer.position() - readIndex;
    }

    /** Why decoding failed, or null if it has not. */
    public FrameError error() {
        return error;
    }

    /** The offending value; see each {@link FrameError}. */
    public long errorValue() {
        return errorValue;
    }

    public int maxFrameLength() {
        return maxFrameLength;
    }

    private DecodeStatus fail(FrameError failure, long value) {
        error = failure;
        errorValue = value;
        return DecodeStatus.ERROR;
    }

    /**
     * Moves unread bytes to the front of the buffer, and grows it when a partial frame fills it. Returned frames are
     * behind readIndex and are given up here.
     */
    private void makeRoom() {
        if (readIndex > 0) {
            buffer.limit(buffer.position()).position(readIndex);
            buffer.compact();
            readIndex = 0;
        }
        if (buffer.hasRemaining() || buffer.position() < VERSION_OFFSET) {
            return;
        }
        // Full of one partial frame: grow to its declared length at once rather than doubling towards it.
        // A length that is out of bounds is left for next() to refuse.
        int length = buffer.getInt(LENGTH_OFFSET);
        int limit = frameLimit();
        if (length > buffer.capacity() && length <= limit) {
            int capacity = (int) Math.min(limit, Math.max(length, 2L * buffer.capacity()));
            ByteBuffer larger = ByteBuffer.allocate(capacity);
            larger.put(buffer.flip());
            buffer = larger;
        }
    }

    private static int allowedFlags(FrameType type) {
        return type == FrameType.STATS ? FLAG_MORE : 0;
    }

    private static boolean isWellFormed(FrameType type, ByteBuffer buffer, int frame, int length) {
        return switch (type) {
            case HELLO -> HelloDescriptor.isWellFormed(buffer, frame, length);
            case CHALLENGE -> length == ChallengeDescriptor.FRAME_LENGTH;
            case AUTH -> AuthDescriptor.isWellFormed(buffer, frame, length);
            case AUTH_RESULT -> AuthResultDescriptor.isWellFormed(buffer, frame, length);
            case POLL -> length == PollDescriptor.FRAME_LENGTH;
            case STATS -> StatsDescriptor.isWellFormed(buffer, frame, length);
            case THROTTLE_SET -> ThrottleSetDescriptor.isWellFormed(buffer, frame, length);
            case THROTTLE_ACK -> ThrottleAckDescriptor.isWellFormed(buffer, frame, length);
            case HEARTBEAT -> length == HeartbeatDescriptor.FRAME_LENGTH;
            case EVENT -> EventDescriptor.isWellFormed(buffer, frame, length);
            case VOLUMES -> VolumesDescriptor.isWellFormed(buffer, frame, length);
            case VOLUME_IDS -> VolumeIdsDescriptor.isWellFormed(buffer, frame, length);
            case ENROLL -> EnrollDescriptor.isWellFormed(buffer, frame, length);
            case RENEW -> RenewDescriptor.isWellFormed(buffer, frame, length);
            case CERTIFICATE -> CertificateDescriptor.isWellFormed(buffer, frame, length);
            case STANDBY -> StandbyDescriptor.isWellFormed(buffer, frame, length);
        };
    }
}
