package io.sluice.protocol;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.util.Arrays;

/**
 * Jazzer fuzz test of {@link FrameDecoder} and the readers. In a normal build it runs in regression mode: once per file
 * in {@code src/test/resources/io/sluice/protocol/FrameDecoderFuzzTestInputs/decode/} (valid conversations in both
 * directions and broken ones), plus an empty input. To fuzz for real: {@code JAZZER_FUZZ=1 ./mvnw -pl sluice-protocol
 * test -Dtest=FrameDecoderFuzzTest}; a crash it finds is saved in that directory and from then on replayed by every
 * build.
 *
 * <p>Input format: byte 0 picks the sender (bit 0: gateway or monitor) and the decoder's starting buffer size (bit 1:
 * tiny, to exercise growth); byte 1 is the size of the pieces the rest is fed in, minus one; the rest is the byte
 * stream.
 */
class FrameDecoderFuzzTest {
    @FuzzTest(maxDuration = "30s")
    void decode(byte[] input) {
        if (input.length < 2) {
            return;
        }
        Peer sender = (input[0] & 1) == 0 ? Peer.GATEWAY : Peer.MONITOR;
        int initialCapacity = (input[0] & 2) == 0 ? 4096 : FrameDescriptor.HEADER_LENGTH;
        int chunk = (input[1] & 0xFF) + 1;
        byte[] stream = Arrays.copyOfRange(input, 2, input.length);
        FrameDecoder decoder = new FrameDecoder(sender, 64 * 1024, initialCapacity, 0);
        FuzzChecks.decodeAll(decoder, stream, chunk);
    }
}
