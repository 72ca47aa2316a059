package io.sluice.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/**
 * STANDBY, the refusal a standby monitor sends after HELLO: what a gateway reads from it, and that a damaged one is a
 * typed decoding error (MALFORMED, OVERSIZE, TRUNCATED, BEFORE_AUTHENTICATION never: it is a handshake frame), not an
 * exception and not an address the gateway would dial.
 */
class StandbyFrameTest {
    private static final long GATEWAY = Samples.GATEWAY_ID;

    @Test
    void namesTheActiveOrNone() {
        StandbyReader reader = new StandbyReader();
        FrameDecoder decoder = handshakeDecoder();
        decoder.feed(standby(1_000, "monitor-b.example:7070"));
        assertThat(decoder.next()).isEqualTo(DecodeStatus.FRAME);
        reader.wrap(decoder);
        assertThat(reader.namesActive()).isTrue();
        assertThat(reader.activeAddress().getHostString()).isEqualTo("monitor-b.example");
        assertThat(reader.activeAddress().getPort()).isEqualTo(7070);
        assertThat(reader.activeAddress().isUnresolved())
                .as("looked up when dialled, not when read")
                .isTrue();

        decoder = handshakeDecoder();
        decoder.feed(standby(2_500, null));
        assertThat(decoder.next()).isEqualTo(DecodeStatus.FRAME);
        reader.wrap(decoder);
        assertThat(reader.namesActive()).isFalse();
        assertThat(reader.activeAddress()).isNull();
        assertThat(reader.retryAfterMillis()).isEqualTo(2_500);

        decoder = handshakeDecoder();
        decoder.feed(standby(0, "[::1]:7071"));
        assertThat(decoder.next()).isEqualTo(DecodeStatus.FRAME);
        assertThat(reader.wrap(decoder).activeAddress().getHostString()).isEqualTo("::1");
    }

    @Test
    void aForgedRetryAfterIsClamped() {
        ByteBuffer frame = standby(0, null);
        for (int forged : new int[] {-1, Integer.MAX_VALUE, AuthResultDescriptor.MAX_RETRY_AFTER_MILLIS + 1}) {
            frame.putInt(StandbyDescriptor.RETRY_AFTER_OFFSET, forged);
            assertThat(new StandbyReader().wrap(frame, 0).retryAfterMillis())
                    .isEqualTo(AuthResultDescriptor.MAX_RETRY_AFTER_MILLIS);
        }
    }

    @Test
    void malformedRefusalsAreTypedErrors() {
        for (String address : List.of(
                "no-port",
                "host:",
                ":7070",
                "host:0",
                "host:65536",
                "host:70a",
                "::1:7070",
                "[::1:7070",
                "ho st:7070",
                "hôte:7070",
                "host:7070\n",
                "host]:7070")) {
            assertMalformed(
                    standby(0, "x:1"), frame -> replaceAddress(frame, address.getBytes(StandardCharsets.UTF_8)));
        }
        // The address length against the frame length, the zero field, a control byte inside the address.
        assertMalformed(
                standby(0, "monitor:7070"), b -> b.putShort(StandbyDescriptor.ADDRESS_LENGTH_OFFSET, (short) 11));
        assertMalformed(
                standby(0, "monitor:7070"), b -> b.putShort(StandbyDescriptor.ADDRESS_LENGTH_OFFSET, (short) 13));
        assertMalformed(
                standby(0, "monitor:7070"), b -> b.putShort(StandbyDescriptor.ADDRESS_LENGTH_OFFSET, (short) -1));
        assertMalformed(standby(0, "monitor:7070"), b -> b.putShort(StandbyDescriptor.ZERO_OFFSET, (short) 1));
        assertMalformed(standby(0, "monitor:7070"), b -> b.put(StandbyDescriptor.ADDRESS_OFFSET + 2, (byte) 0));
        // Too long for the handshake, and cut short.
        ByteBuffer huge = ByteBuffer.allocate(2048);
        huge.putInt(0, 2048);
        huge.put(FrameDescriptor.VERSION_OFFSET, (byte) FrameDescriptor.PROTOCOL_VERSION);
        huge.put(FrameDescriptor.TYPE_OFFSET, (byte) FrameType.STANDBY.code());
        FrameDecoder decoder = handshakeDecoder();
        decoder.feed(huge);
        assertThat(decoder.next()).isEqualTo(DecodeStatus.ERROR);
        assertThat(decoder.error()).isEqualTo(FrameError.OVERSIZE);
        ByteBuffer cut = standby(0, "monitor:7070");
        decoder = handshakeDecoder();
        decoder.feed(cut.limit(cut.limit() - 3));
        assertThat(decoder.next()).isEqualTo(DecodeStatus.NEED_MORE);
        decoder.endOfStream();
        assertThat(decoder.next()).isEqualTo(DecodeStatus.ERROR);
        assertThat(decoder.error()).isEqualTo(FrameError.TRUNCATED);
        // A gateway never sends it.
        decoder = FrameDecoder.forConnection(Peer.GATEWAY, FrameDescriptor.DEFAULT_MAX_FRAME_LENGTH, 512, 0);
        decoder.feed(standby(0, "monitor:7070"));
        assertThat(decoder.next()).isEqualTo(DecodeStatus.ERROR);
        assertThat(decoder.error()).isEqualTo(FrameError.WRONG_SENDER);
    }

    @Test
    void theWriterTakesOnlyWellFormedAddresses() {
        assertThatThrownBy(() -> StandbyWriter.addressBytes("no-port")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> StandbyWriter.addressBytes("h:" + "9".repeat(300)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new StandbyWriter().write(ByteBuffer.allocate(64), 1, GATEWAY, -1, new byte[0]))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(StandbyWriter.addressBytes(null)).isEmpty();
        assertThat(StandbyDescriptor.frameLength(StandbyDescriptor.MAX_ADDRESS_LENGTH))
                .isLessThanOrEqualTo(FrameDescriptor.HANDSHAKE_MAX_FRAME_LENGTH);
    }

    private static FrameDecoder handshakeDecoder() {
        return FrameDecoder.forConnection(Peer.MONITOR, FrameDescriptor.DEFAULT_MAX_FRAME_LENGTH, 1024, GATEWAY);
    }

    private static ByteBuffer standby(int retryAfter, String address) {
        ByteBuffer frame = ByteBuffer.allocate(512);
        new StandbyWriter().write(frame, 1, GATEWAY, retryAfter, StandbyWriter.addressBytes(address));
        return frame.flip();
    }

    /** The frame rewritten to carry {@code address} as it is, lengths adjusted, no check. */
    private static void replaceAddress(ByteBuffer frame, byte[] address) {
        frame.clear();
        frame.putInt(FrameDescriptor.LENGTH_OFFSET, StandbyDescriptor.frameLength(address.length));
        frame.putShort(StandbyDescriptor.ADDRESS_LENGTH_OFFSET, (short) address.length);
        frame.put(StandbyDescriptor.ADDRESS_OFFSET, address);
        frame.limit(StandbyDescriptor.frameLength(address.length));
    }

    private static void assertMalformed(ByteBuffer frame, Consumer<ByteBuffer> damage) {
        damage.accept(frame);
        FrameDecoder decoder = handshakeDecoder();
        decoder.feed(frame);
        assertThat(decoder.next()).as("damaged STANDBY").isEqualTo(DecodeStatus.ERROR);
        assertThat(decoder.error()).isEqualTo(FrameError.MALFORMED);
        assertThat(decoder.errorValue()).isEqualTo(FrameType.STANDBY.code());
    }
}
