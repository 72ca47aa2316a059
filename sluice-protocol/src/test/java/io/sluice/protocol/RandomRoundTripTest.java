package io.sluice.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.LongStream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Seeded random conversations: a random mix of frames with random contents, written back to back, read in random
 * pieces, each frame must come back exactly. The seeds are fixed, so a failure names its seed and reproduces.
 */
class RandomRoundTripTest {
    static LongStream seeds() {
        return LongStream.range(0, 40).map(i -> 1_000_003L * i + 17);
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void randomStreamsRoundTrip(long seed) {
        Random random = new Random(seed);
        Peer sender = random.nextBoolean() ? Peer.GATEWAY : Peer.MONITOR;
        List<FrameType> types = sender == Peer.GATEWAY ? Samples.FROM_GATEWAY : Samples.FROM_MONITOR;
        List<Samples.Sample> samples = new ArrayList<>();
        for (int i = 1 + random.nextInt(150); i > 0; i--) {
            samples.add(Samples.random(types.get(random.nextInt(types.size())), random, random.nextInt(12)));
        }
        long gatewayId = random.nextLong() | 1;
        ByteBuffer stream = Samples.stream(samples, gatewayId);

        FrameDecoder decoder = new FrameDecoder(
                sender,
                FrameDescriptor.DEFAULT_MAX_FRAME_LENGTH,
                64 + random.nextInt(2048),
                random.nextBoolean() ? gatewayId : 0);
        int next = 0;
        while (stream.hasRemaining()) {
            ByteBuffer piece = stream.slice(stream.position(), Math.min(stream.remaining(), 1 + random.nextInt(1500)));
            stream.position(stream.position() + piece.remaining());
            while (piece.hasRemaining()) {
                decoder.feed(piece);
                DecodeStatus status;
                while ((status = decoder.next()) == DecodeStatus.FRAME) {
                    samples.get(next++).verify(decoder);
                    assertThat(decoder.gatewayId()).isEqualTo(gatewayId);
                }
                assertThat(status).isEqualTo(DecodeStatus.NEED_MORE);
            }
        }
        decoder.endOfStream();
        assertThat(decoder.next()).isEqualTo(DecodeStatus.END_OF_STREAM);
        assertThat(next).isEqualTo(samples.size());
        assertThat(decoder.expectedSequence()).isEqualTo(samples.size() + 1);
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void aSingleFlippedBitIsRefusedOrStillReadable(long seed) {
        Random random = new Random(seed);
        FrameType type = FrameType.values()[random.nextInt(FrameType.values().length)];
        ByteBuffer frame = Samples.frame(Samples.random(type, random));
        Peer sender = type.isSentBy(Peer.GATEWAY) ? Peer.GATEWAY : Peer.MONITOR;
        for (int bit = 0; bit < frame.remaining() * 8; bit++) {
            ByteBuffer damaged = ByteBuffer.allocate(frame.remaining())
                    .put(frame.duplicate())
                    .flip();
            damaged.put(bit / 8, (byte) (damaged.get(bit / 8) ^ (1 << (bit % 8))));
            FrameDecoder decoder = new FrameDecoder(sender, FrameDescriptor.DEFAULT_MAX_FRAME_LENGTH);
            decoder.feed(damaged);
            decoder.endOfStream();
            DecodeStatus status = decoder.next();
            if (status == DecodeStatus.FRAME) {
                FuzzChecks.readEverything(decoder);
                status = decoder.next();
            }
            assertThat(status).as("bit %d", bit).isIn(DecodeStatus.ERROR, DecodeStatus.END_OF_STREAM);
        }
    }
}
