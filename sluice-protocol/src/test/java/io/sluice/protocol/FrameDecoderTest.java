package io.sluice.protocol;

import static io.sluice.protocol.FrameDescriptor.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.Pipe;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class FrameDecoderTest {
    private static final long GATEWAY = Samples.GATEWAY_ID;

    @ParameterizedTest
    @EnumSource(FrameType.class)
    void aFrameCutAtAnyByteIsTruncatedAtEndOfStream(FrameType type) {
        ByteBuffer frame = Samples.frame(Samples.random(type, new Random(type.code()), 2));
        int length = frame.remaining();
        for (int cut = 0; cut < length; cut++) {
            FrameDecoder decoder = FrameRoundTripTest.decoderFor(type);
            decoder.feed(frame.duplicate().limit(cut));
            assertThat(decoder.next()).as("cut at %d", cut).isEqualTo(DecodeStatus.NEED_MORE);
            decoder.endOfStream();
            if (cut == 0) {
                assertThat(decoder.next()).isEqualTo(DecodeStatus.END_OF_STREAM);
            } else {
                assertThat(decoder.next()).as("cut at %d", cut).isEqualTo(DecodeStatus.ERROR);
                assertThat(decoder.error()).isEqualTo(FrameError.TRUNCATED);
                assertThat(decoder.errorValue()).isEqualTo(cut);
            }
        }
    }

    @Test
    void framesArriveWholeWhateverTheChunking() {
        Random random = new Random(7);
        List<Samples.Sample> samples = new ArrayList<>();
        for (FrameType type : Samples.FROM_GATEWAY) {
            samples.add(Samples.random(type, random));
        }
        ByteBuffer stream = Samples.stream(samples, GATEWAY);
        for (int chunk : new int[] {1, 2, 3, 7, 24, 100, stream.remaining()}) {
            FrameDecoder decoder = new FrameDecoder(Peer.GATEWAY, DEFAULT_MAX_FRAME_LENGTH, 64, 0);
            ByteBuffer source = stream.duplicate();
            int next = 0;
            while (source.hasRemaining()) {
                ByteBuffer piece = source.slice(source.position(), Math.min(chunk, source.remaining()));
                source.position(source.position() + piece.remaining());
                while (piece.hasRemaining()) {
                    decoder.feed(piece);
                    DecodeStatus status;
                    while ((status = decoder.next()) == DecodeStatus.FRAME) {
                        samples.get(next++).verify(decoder);
                    }
                    assertThat(status).isEqualTo(DecodeStatus.NEED_MORE);
                }
            }
            assertThat(next).as("chunk %d", chunk).isEqualTo(samples.size());
            decoder.endOfStream();
            assertThat(decoder.next()).isEqualTo(DecodeStatus.END_OF_STREAM);
        }
    }

    @Test
    void oversizeIsRefusedAsSoonAsTheLengthArrives() {
        FrameDecoder decoder = new FrameDecoder(Peer.GATEWAY, 4096);
        decoder.feed(ByteBuffer.allocate(4).putInt(0, 4097));
        assertThat(decoder.next()).isEqualTo(DecodeStatus.ERROR);
        assertThat(decoder.error()).isEqualTo(FrameError.OVERSIZE);
        assertThat(decoder.errorValue()).isEqualTo(4097);

        FrameDecoder negative = new FrameDecoder(Peer.GATEWAY, 4096);
        negative.feed(ByteBuffer.allocate(4).putInt(0, 0xFFFF_FFF0));
        assertThat(negative.next()).isEqualTo(DecodeStatus.ERROR);
        assertThat(negative.error()).isEqualTo(FrameError.OVERSIZE);
        assertThat(negative.errorValue()).isEqualTo(0xFFFF_FFF0L);
    }

    @Test
    void aFrameOfExactlyTheMaximumIsAcceptedAndOneByteMoreIsNot() {
        int max = StatsDescriptor.frameLength(10);
        ByteBuffer frame = stats(1, 10);
        FrameDecoder decoder = new FrameDecoder(Peer.GATEWAY, max, 64, 0);
        feedAll(decoder, frame, status -> {});
        assertThat(decoder.error()).isNull();

        FrameDecoder smaller = new FrameDecoder(Peer.GATEWAY, max - 1);
        smaller.feed(stats(1, 10));
        assertThat(smaller.next()).isEqualTo(DecodeStatus.ERROR);
        assertThat(smaller.error()).isEqualTo(FrameError.OVERSIZE);
    }

    @Test
    void lengthShorterThanTheHeaderIsUndersize() {
        ByteBuffer frame = poll(1);
        frame.putInt(LENGTH_OFFSET, HEADER_LENGTH - 1);
        assertRefused(Peer.MONITOR, frame, FrameError.UNDERSIZE, HEADER_LENGTH - 1);
    }

    @Test
    void wrongVersionIsRefusedBeforeTheBodyArrives() {
        ByteBuffer frame = poll(1);
        frame.put(VERSION_OFFSET, (byte) 9);
        assertRefused(Peer.MONITOR, frame.limit(SEQUENCE_OFFSET), FrameError.WRONG_VERSION, 9);
    }

    @Test
    void unknownTypeWrongSenderAndBadFlagsAreRefused() {
        ByteBuffer unknown = poll(1);
        unknown.put(TYPE_OFFSET, (byte) 0);
        assertRefused(Peer.MONITOR, unknown, FrameError.UNKNOWN_TYPE, 0);
        ByteBuffer unknownHigh = poll(1);
        unknownHigh.put(TYPE_OFFSET, (byte) 200);
        assertRefused(Peer.MONITOR, unknownHigh, FrameError.UNKNOWN_TYPE, 200);

        assertRefused(Peer.GATEWAY, poll(1), FrameError.WRONG_SENDER, FrameType.POLL.code());
        assertRefused(Peer.MONITOR, stats(1, 1), FrameError.WRONG_SENDER, FrameType.STATS.code());

        ByteBuffer moreOnPoll = poll(1);
        moreOnPoll.putShort(FLAGS_OFFSET, (short) FLAG_MORE);
        assertRefused(Peer.MONITOR, moreOnPoll, FrameError.BAD_FLAGS, FLAG_MORE);
        ByteBuffer unknownFlag = stats(1, 1);
        unknownFlag.putShort(FLAGS_OFFSET, (short) 0x8001);
        assertRefused(Peer.GATEWAY, unknownFlag, FrameError.BAD_FLAGS, 0x8001);
    }

    @Test
    void heartbeatsAreAcceptedFromBothSides() {
        for (Peer peer : Peer.values()) {
            FrameDecoder decoder = new FrameDecoder(peer, DEFAULT_MAX_FRAME_LENGTH);
            ByteBuffer frame = ByteBuffer.allocate(64);
            new HeartbeatWriter().write(frame, 1, GATEWAY, 5, 4);
            decoder.feed(frame.flip());
            assertThat(decoder.next()).isEqualTo(DecodeStatus.FRAME);
        }
    }

    @Test
    void sequenceGapsAndRepeatsAreDetected() {
        FrameDecoder decoder = new FrameDecoder(Peer.MONITOR, DEFAULT_MAX_FRAME_LENGTH);
        decoder.feed(poll(1));
        decoder.feed(poll(2));
        assertThat(decoder.next()).isEqualTo(DecodeStatus.FRAME);
        assertThat(decoder.next()).isEqualTo(DecodeStatus.FRAME);
        assertThat(decoder.expectedSequence()).isEqualTo(3);
        decoder.feed(poll(4));
        assertThat(decoder.next()).isEqualTo(DecodeStatus.ERROR);
        assertThat(decoder.error()).isEqualTo(FrameError.SEQUENCE_GAP);
        assertThat(decoder.errorValue()).isEqualTo(4);

        for (long repeated : new long[] {2, 1, 0, -1}) {
            FrameDecoder again = new FrameDecoder(Peer.MONITOR, DEFAULT_MAX_FRAME_LENGTH);
            again.feed(poll(1));
            again.feed(poll(2));
            again.feed(poll(repeated));
            assertThat(again.next()).isEqualTo(DecodeStatus.FRAME);
            assertThat(again.next()).isEqualTo(DecodeStatus.FRAME);
            assertThat(again.next()).isEqualTo(DecodeStatus.ERROR);
            assertThat(again.error())
                    .as("sequence %d after 2", repeated)
                    .isEqualTo(repeated == -1 ? FrameError.SEQUENCE_GAP : FrameError.SEQUENCE_REPEAT);
        }
        assertRefused(Peer.MONITOR, poll(2), FrameError.SEQUENCE_GAP, 2);
    }

    @Test
    void theGatewayIdIsTheSameInEveryFrameAndNeverZero() {
        FrameDecoder decoder = new FrameDecoder(Peer.MONITOR, DEFAULT_MAX_FRAME_LENGTH);
        decoder.feed(poll(1));
        ByteBuffer other = poll(2);
        other.putLong(GATEWAY_ID_OFFSET, GATEWAY + 1);
        decoder.feed(other);
        assertThat(decoder.next()).isEqualTo(DecodeStatus.FRAME);
        assertThat(decoder.gatewayId()).isEqualTo(GATEWAY);
        assertThat(decoder.next()).isEqualTo(DecodeStatus.ERROR);
        assertThat(decoder.error()).isEqualTo(FrameError.GATEWAY_MISMATCH);
        assertThat(decoder.errorValue()).isEqualTo(GATEWAY + 1);

        ByteBuffer zero = poll(1);
        zero.putLong(GATEWAY_ID_OFFSET, 0);
        assertRefused(Peer.MONITOR, zero, FrameError.GATEWAY_MISMATCH, 0);

        FrameDecoder preset = new FrameDecoder(Peer.MONITOR, DEFAULT_MAX_FRAME_LENGTH, 256, GATEWAY + 1);
        preset.feed(poll(1));
        assertThat(preset.next()).isEqualTo(DecodeStatus.ERROR);
        assertThat(preset.error()).isEqualTo(FrameError.GATEWAY_MISMATCH);
    }

    @Test
    void bodiesThatDoNotFitTheirLayoutAreMalformed() {
        Random random = new Random(11);
        // Fixed-size frames one byte longer than their layout.
        for (FrameType type : List.of(FrameType.CHALLENGE, FrameType.POLL, FrameType.HEARTBEAT)) {
            ByteBuffer frame = grow(Samples.frame(Samples.random(type, random)), 1);
            assertRefused(
                    type.isSentBy(Peer.GATEWAY) ? Peer.GATEWAY : Peer.MONITOR,
                    frame,
                    FrameError.MALFORMED,
                    type.code());
        }
        // Counts that disagree with the length.
        for (FrameType type : List.of(
                FrameType.VOLUMES,
                FrameType.VOLUME_IDS,
                FrameType.STATS,
                FrameType.THROTTLE_SET,
                FrameType.THROTTLE_ACK)) {
            ByteBuffer frame = Samples.frame(Samples.random(type, new Random(3), 3));
            int countOffset = switch (type) {
                case VOLUMES -> VolumesDescriptor.VOLUME_COUNT_OFFSET;
                case VOLUME_IDS -> VolumeIdsDescriptor.VOLUME_COUNT_OFFSET;
                case STATS -> StatsDescriptor.VOLUME_COUNT_OFFSET;
                case THROTTLE_SET -> ThrottleSetDescriptor.VOLUME_COUNT_OFFSET;
                default -> ThrottleAckDescriptor.VOLUME_COUNT_OFFSET;
            };
            int actual = frame.getInt(countOffset);
            for (int count : new int[] {actual + 1, actual - 1, Integer.MAX_VALUE, -1}) {
                ByteBuffer bad = copy(frame);
                bad.putInt(countOffset, count);
                assertRefused(
                        type.isSentBy(Peer.GATEWAY) ? Peer.GATEWAY : Peer.MONITOR,
                        bad,
                        FrameError.MALFORMED,
                        type.code());
            }
        }
        // Field by field.
        assertMalformed(hello(), b -> b.putInt(HelloDescriptor.NAME_LENGTH_OFFSET, 0));
        assertMalformed(hello(), b -> b.putInt(HelloDescriptor.NAME_LENGTH_OFFSET, 256));
        assertMalformed(
                volumes(),
                b -> b.putShort(VolumesDescriptor.VOLUMES_OFFSET + VolumeDescriptor.NAME_LENGTH_OFFSET, (short) 65));
        assertMalformed(
                volumes(),
                b -> b.putShort(VolumesDescriptor.VOLUMES_OFFSET + VolumeDescriptor.FLAGS_OFFSET, (short) 4));
        assertMalformed(auth(), b -> b.putShort(AuthDescriptor.TOKEN_LENGTH_OFFSET, (short) 4));
        assertMalformed(authResult(), b -> b.put(AuthResultDescriptor.OUTCOME_OFFSET, (byte) 4));
        assertMalformed(authResult(), b -> b.put(AuthResultDescriptor.REASON_OFFSET, (byte) 99));
        assertMalformed(authResult(), b -> b.put(AuthResultDescriptor.REASON_OFFSET, (byte) AuthReason.REVOKED.code()));
        assertMalformed(authResult(), b -> b.putShort(AuthResultDescriptor.MESSAGE_LENGTH_OFFSET, (short) 6));
        assertMalformed(
                throttleSet(),
                b -> b.putLong(ThrottleSetDescriptor.VOLUMES_OFFSET + ThrottleSetDescriptor.VERSION_OFFSET, 0));
        assertMalformed(throttleSet(), b -> b.putInt(ThrottleSetDescriptor.RESERVED_OFFSET, 1));
        assertMalformed(throttleSet(), b -> b.putLong(ThrottleSetDescriptor.EPOCH_OFFSET, -1));
        assertMalformed(authResult(), b -> b.putLong(AuthResultDescriptor.EPOCH_OFFSET, Long.MIN_VALUE));
        assertMalformed(
                new Samples.AuthResult(AuthOutcome.REFUSED, AuthReason.REVOKED, 0, 1000, ""),
                b -> b.putLong(AuthResultDescriptor.EPOCH_OFFSET, 5));
        assertMalformed(
                throttleAck(),
                b -> b.putInt(ThrottleAckDescriptor.RESULTS_OFFSET + ThrottleAckDescriptor.STATUS_OFFSET, 0));
        assertMalformed(throttleAck(), b -> b.putInt(ThrottleAckDescriptor.RESERVED_OFFSET, 1));
        assertMalformed(event(), b -> b.putShort(EventDescriptor.KIND_OFFSET, (short) 0));
        assertMalformed(
                event(),
                b -> b.putShort(EventDescriptor.VOLUME_OFFSET + VolumeDescriptor.NAME_LENGTH_OFFSET, (short) 0));
        assertMalformed(event(), b -> b.putShort(EventDescriptor.MESSAGE_LENGTH_OFFSET, (short) 513));
    }

    @Test
    void garbageNeverYieldsAFrame() {
        Random random = new Random(1234);
        for (int round = 0; round < 2000; round++) {
            byte[] garbage = Samples.bytes(random, 1 + random.nextInt(300));
            FrameDecoder decoder = new FrameDecoder(random.nextBoolean() ? Peer.GATEWAY : Peer.MONITOR, 4096);
            decoder.feed(ByteBuffer.wrap(garbage));
            decoder.endOfStream();
            assertThat(decoder.next()).isEqualTo(DecodeStatus.ERROR);
        }
        // A stray HTTP client is turned away after four bytes.
        FrameDecoder decoder = new FrameDecoder(Peer.GATEWAY, DEFAULT_MAX_FRAME_LENGTH);
        decoder.feed(ByteBuffer.wrap("GET / HTTP/1.1\r\n".getBytes(StandardCharsets.US_ASCII)));
        assertThat(decoder.next()).isEqualTo(DecodeStatus.ERROR);
        assertThat(decoder.error()).isEqualTo(FrameError.OVERSIZE);
    }

    @Test
    void theFirstErrorIsFinal() {
        FrameDecoder decoder = new FrameDecoder(Peer.MONITOR, DEFAULT_MAX_FRAME_LENGTH);
        decoder.feed(poll(2));
        assertThat(decoder.next()).isEqualTo(DecodeStatus.ERROR);
        assertThat(decoder.feed(poll(1))).isZero();
        assertThat(decoder.next()).isEqualTo(DecodeStatus.ERROR);
        assertThat(decoder.error()).isEqualTo(FrameError.SEQUENCE_GAP);

        decoder.reset();
        decoder.feed(poll(1));
        assertThat(decoder.next()).isEqualTo(DecodeStatus.FRAME);
    }

    @Test
    void theBufferGrowsForALargeFrameAndShrinksOnReset() {
        int volumes = 2000;
        ByteBuffer frame = stats(1, volumes);
        FrameDecoder decoder = new FrameDecoder(Peer.GATEWAY, DEFAULT_MAX_FRAME_LENGTH, 1024, 0);
        List<DecodeStatus> seen = new ArrayList<>();
        feedAll(decoder, frame, seen::add);
        assertThat(seen).containsOnly(DecodeStatus.FRAME);
        assertThat(new StatsReader().wrap(decoder).volume(volumes - 1).volumeId())
                .isEqualTo(volumes - 1);
        assertThat(decoder.buffer().capacity())
                .isBetween(StatsDescriptor.frameLength(volumes), DEFAULT_MAX_FRAME_LENGTH);
        decoder.reset();
        assertThat(decoder.buffer().capacity()).isEqualTo(1024);
        assertThat(decoder.expectedSequence()).isEqualTo(1);
        assertThat(decoder.gatewayId()).isZero();
    }

    @Test
    void readsFromANonBlockingChannel() throws IOException {
        Random random = new Random(99);
        List<Samples.Sample> samples = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            samples.add(Samples.random(Samples.FROM_MONITOR.get(random.nextInt(Samples.FROM_MONITOR.size())), random));
        }
        ByteBuffer stream = Samples.stream(samples, GATEWAY);
        Pipe pipe = Pipe.open();
        Pipe.SinkChannel sink = pipe.sink();
        try (Pipe.SourceChannel source = pipe.source()) {
            source.configureBlocking(false);
            sink.configureBlocking(false);
            FrameDecoder decoder = new FrameDecoder(Peer.MONITOR, DEFAULT_MAX_FRAME_LENGTH, 512, GATEWAY);
            int next = 0;
            DecodeStatus status = DecodeStatus.NEED_MORE;
            while (status == DecodeStatus.NEED_MORE || status == DecodeStatus.FRAME) {
                if (stream.hasRemaining()) {
                    ByteBuffer piece =
                            stream.slice(stream.position(), Math.min(stream.remaining(), 1 + random.nextInt(700)));
                    stream.position(stream.position() + sink.write(piece));
                } else if (sink.isOpen()) {
                    sink.close();
                }
                decoder.readFrom(source);
                while ((status = decoder.next()) == DecodeStatus.FRAME) {
                    samples.get(next++).verify(decoder);
                }
            }
            assertThat(status).isEqualTo(DecodeStatus.END_OF_STREAM);
            assertThat(next).isEqualTo(samples.size());
            assertThat(decoder.readFrom(source)).isEqualTo(-1);
        } finally {
            sink.close();
        }
    }

    @Test
    void aConnectionClosedMidFrameIsTruncated() throws IOException {
        Pipe pipe = Pipe.open();
        try (Pipe.SourceChannel source = pipe.source()) {
            try (Pipe.SinkChannel sink = pipe.sink()) {
                sink.write(poll(1).limit(30));
            }
            FrameDecoder decoder = new FrameDecoder(Peer.MONITOR, DEFAULT_MAX_FRAME_LENGTH);
            while (decoder.readFrom(source) >= 0) {
                assertThat(decoder.next()).isEqualTo(DecodeStatus.NEED_MORE);
            }
            assertThat(decoder.next()).isEqualTo(DecodeStatus.ERROR);
            assertThat(decoder.error()).isEqualTo(FrameError.TRUNCATED);
            assertThat(decoder.errorValue()).isEqualTo(30);
        }
    }

    @Test
    void configurationIsChecked() {
        assertThatThrownBy(() -> new FrameDecoder(Peer.GATEWAY, 100)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new FrameDecoder(Peer.GATEWAY, MAX_FRAME_LENGTH_LIMIT + 1))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new FrameDecoder(Peer.GATEWAY, 4096, 8192, 0))
                .isInstanceOf(IllegalArgumentException.class);
    }

    private static void assertRefused(Peer sender, ByteBuffer bytes, FrameError error, long value) {
        FrameDecoder decoder = new FrameDecoder(sender, DEFAULT_MAX_FRAME_LENGTH);
        decoder.feed(bytes);
        assertThat(decoder.next()).isEqualTo(DecodeStatus.ERROR);
        assertThat(decoder.error()).isEqualTo(error);
        assertThat(decoder.errorValue()).isEqualTo(value);
    }

    private static void assertMalformed(Samples.Sample sample, Consumer<ByteBuffer> damage) {
        ByteBuffer frame = Samples.frame(sample);
        damage.accept(frame);
        assertRefused(
                sample.type().isSentBy(Peer.GATEWAY) ? Peer.GATEWAY : Peer.MONITOR,
                frame,
                FrameError.MALFORMED,
                sample.type().code());
    }

    /** Feeds everything, taking frames as they complete. */
    private static void feedAll(FrameDecoder decoder, ByteBuffer bytes, Consumer<DecodeStatus> frames) {
        while (bytes.hasRemaining()) {
            decoder.feed(bytes);
            DecodeStatus status;
            while ((status = decoder.next()) == DecodeStatus.FRAME) {
                frames.accept(status);
            }
            if (status == DecodeStatus.ERROR) {
                return;
            }
        }
    }

    private static ByteBuffer poll(long sequence) {
        ByteBuffer frame = ByteBuffer.allocate(PollDescriptor.FRAME_LENGTH);
        new PollWriter().write(frame, sequence, GATEWAY, 17, 1_700_000_000_000L);
        return frame.flip();
    }

    private static ByteBuffer stats(long sequence, int volumes) {
        ByteBuffer frame = ByteBuffer.allocate(StatsDescriptor.frameLength(volumes));
        StatsWriter writer = new StatsWriter();
        writer.begin(frame, sequence, GATEWAY, false, 1, 1, 0, 1000, volumes);
        for (int i = 0; i < volumes; i++) {
            writer.volume(i).volumeId(i).ops(IoDirection.READ, i);
        }
        writer.commit();
        return frame.flip();
    }

    private static Samples.Sample hello() {
        return new Samples.Hello(1, "gw", 1);
    }

    private static Samples.Sample volumes() {
        return new Samples.Volumes(List.of(new Samples.Volume(1, 0, 1 << 20, "vol")));
    }

    private static Samples.Sample auth() {
        return new Samples.Auth(new byte[32], new byte[] {1, 2, 3});
    }

    private static Samples.Sample authResult() {
        return new Samples.AuthResult(AuthOutcome.ACCEPTED, AuthReason.NONE, 1000, 0, "welcome");
    }

    private static Samples.Sample throttleSet() {
        long[] set = new long[Samples.ThrottleSet.FIELDS];
        set[1] = 1;
        return new Samples.ThrottleSet(5, 3, List.of(set));
    }

    private static Samples.Sample throttleAck() {
        return new Samples.ThrottleAck(5, List.of(new Samples.AckResult(1, ThrottleAckStatus.APPLIED, 1)));
    }

    private static Samples.Sample event() {
        return new Samples.Event(EventKind.CAPACITY_WARNING, 1, 0, 900, new Samples.Volume(1, 0, 1000, "v"), "90%");
    }

    private static ByteBuffer grow(ByteBuffer frame, int extra) {
        ByteBuffer larger = ByteBuffer.allocate(frame.remaining() + extra);
        larger.put(frame.duplicate()).clear();
        larger.putInt(LENGTH_OFFSET, larger.capacity());
        return larger;
    }

    private static ByteBuffer copy(ByteBuffer frame) {
        ByteBuffer copy = ByteBuffer.allocate(frame.remaining());
        return copy.put(frame.duplicate()).flip();
    }
}
