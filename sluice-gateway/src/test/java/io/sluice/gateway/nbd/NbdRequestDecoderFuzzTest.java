package io.sluice.gateway.nbd;

import static io.sluice.gateway.nbd.NbdDescriptor.*;
import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.ByteBuffer;

/**
 * Jazzer fuzz test of the request decoder. Without JAZZER_FUZZ it runs in regression mode: the seeds under
 * {@code NbdRequestDecoderFuzzTestInputs/} plus an empty input, in milliseconds. With {@code JAZZER_FUZZ=1} it explores
 * for {@code maxDuration}. Whatever the bytes and the negotiated state, the decoder must not throw and its verdict must
 * keep the promises the connection relies on.
 */
class NbdRequestDecoderFuzzTest {
    @FuzzTest(maxDuration = "30s")
    void decodeKeepsItsPromises(FuzzedDataProvider data) {
        long size = data.consumeLong(0, 1L << 50);
        boolean readOnly = data.consumeBoolean();
        boolean structured = data.consumeBoolean();
        int minBlock = 1 << data.consumeInt(0, 12);
        int maxBlock = Math.max(minBlock, data.consumeInt(minBlock, MAX_PAYLOAD) & -minBlock);
        byte[] header = data.consumeBytes(REQUEST_HEADER_LENGTH);
        int flags = FLAG_HAS_FLAGS
                | (readOnly ? FLAG_READ_ONLY : 0)
                | (data.consumeBoolean() ? FLAG_SEND_CACHE : 0)
                | (data.consumeBoolean() ? FLAG_SEND_FAST_ZERO : 0);
        boolean blockStatus = structured && data.consumeBoolean();
        ByteBuffer buffer = ByteBuffer.allocate(REQUEST_HEADER_LENGTH).put(header);
        if (data.consumeBoolean()) {
            buffer.putInt(0, REQUEST_MAGIC);
        }
        NbdRequestDecoder decoder = new NbdRequestDecoder()
                .configure(size, flags, structured, blockStatus, minBlock, maxBlock)
                .wrap(buffer, 0);

        int verdict = decoder.decode();

        assertThat(verdict)
                .isIn(
                        NbdError.OK,
                        NbdError.EINVAL,
                        NbdError.EPERM,
                        NbdError.ENOSPC,
                        NbdRequestDecoder.DISCONNECT,
                        NbdRequestDecoder.SOFT_DISCONNECT);
        assertThat(decoder.payloadLength()).isBetween(0, MAX_PAYLOAD);
        if (decoder.magic() != REQUEST_MAGIC) {
            assertThat(verdict).isEqualTo(NbdRequestDecoder.DISCONNECT);
        }
        if (decoder.payloadLength() > 0) {
            assertThat(decoder.type()).isEqualTo(CMD_WRITE);
            assertThat((long) decoder.payloadLength()).isEqualTo(decoder.length());
        }
        if (verdict == NbdError.OK) {
            assertThat(decoder.type())
                    .isIn(CMD_READ, CMD_WRITE, CMD_FLUSH, CMD_TRIM, CMD_WRITE_ZEROES, CMD_CACHE, CMD_BLOCK_STATUS);
            if (readOnly) {
                assertThat(decoder.type()).isIn(CMD_READ, CMD_FLUSH, CMD_CACHE, CMD_BLOCK_STATUS);
            }
            if (decoder.type() == CMD_CACHE) {
                assertThat(flags & FLAG_SEND_CACHE).isNotZero();
            }
            if (decoder.type() == CMD_BLOCK_STATUS) {
                assertThat(blockStatus).isTrue();
            }
            if ((decoder.flags() & CMD_FLAG_FAST_ZERO) != 0) {
                assertThat(decoder.type()).isEqualTo(CMD_WRITE_ZEROES);
                assertThat(flags & FLAG_SEND_FAST_ZERO).isNotZero();
            }
            if (decoder.type() != CMD_FLUSH) {
                long offset = decoder.offset();
                long length = decoder.length();
                assertThat(offset).isNotNegative();
                assertThat(length).isPositive();
                assertThat(offset + length).isLessThanOrEqualTo(size);
                assertThat((offset | length) % minBlock).isZero();
                if (decoder.type() == CMD_READ || decoder.type() == CMD_WRITE || decoder.type() == CMD_CACHE) {
                    assertThat(length).isLessThanOrEqualTo(maxBlock);
                }
            }
        }
    }
}
