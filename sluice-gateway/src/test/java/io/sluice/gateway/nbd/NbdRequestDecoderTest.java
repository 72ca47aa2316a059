package io.sluice.gateway.nbd;

import static io.sluice.gateway.nbd.NbdDescriptor.*;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import org.assertj.core.api.Assertions;
import org.junit.jupiter.api.Test;

class NbdRequestDecoderTest {
    private static final long SIZE = 1 << 20;
    private static final int WRITABLE = FLAG_HAS_FLAGS | FLAG_SEND_TRIM | FLAG_SEND_WRITE_ZEROES;
    private static final int READ_ONLY = FLAG_HAS_FLAGS | FLAG_READ_ONLY;

    private final NbdRequestDecoder decoder =
            new NbdRequestDecoder().configure(SIZE, WRITABLE, false, false, 1, 1 << 16);
    private final ByteBuffer header = ByteBuffer.allocate(REQUEST_HEADER_LENGTH);

    private int decode(int magic, int flags, int type, long offset, long length) {
        header.clear();
        header.putInt(magic)
                .putShort((short) flags)
                .putShort((short) type)
                .putLong(42)
                .putLong(offset)
                .putInt((int) length);
        return decoder.wrap(header, 0).decode();
    }

    private int decode(int flags, int type, long offset, long length) {
        return decode(REQUEST_MAGIC, flags, type, offset, length);
    }

    @Test
    void readsTheFieldsInNetworkOrder() {
        assertThat(decode(CMD_FLAG_FUA, CMD_WRITE, 4096, 512)).isEqualTo(NbdError.OK);
        assertThat(decoder.flags()).isEqualTo(CMD_FLAG_FUA);
        assertThat(decoder.type()).isEqualTo(CMD_WRITE);
        assertThat(decoder.handle()).isEqualTo(42);
        assertThat(decoder.offset()).isEqualTo(4096);
        assertThat(decoder.length()).isEqualTo(512);
        assertThat(decoder.payloadLength()).isEqualTo(512);
    }

    @Test
    void badMagicIsAHardDisconnect() {
        assertThat(decode(0x25609514, 0, CMD_READ, 0, 512)).isEqualTo(NbdRequestDecoder.DISCONNECT);
    }

    @Test
    void discIsASoftDisconnect() {
        assertThat(decode(0, CMD_DISC, 0, 0)).isEqualTo(NbdRequestDecoder.SOFT_DISCONNECT);
    }

    @Test
    void rangesAreCheckedWithoutOverflow() {
        assertThat(decode(0, CMD_READ, SIZE - 512, 512)).isEqualTo(NbdError.OK);
        assertThat(decode(0, CMD_READ, SIZE - 511, 512)).isEqualTo(NbdError.EINVAL);
        assertThat(decode(0, CMD_READ, Long.MAX_VALUE, 512)).isEqualTo(NbdError.EINVAL);
        assertThat(decode(0, CMD_READ, -1, 512)).isEqualTo(NbdError.EINVAL);
        assertThat(decode(0, CMD_WRITE, SIZE, 1)).isEqualTo(NbdError.ENOSPC);
        assertThat(decoder.payloadLength()).as("payload still to be consumed").isEqualTo(1);
        assertThat(decode(0, CMD_WRITE_ZEROES, SIZE - 1, 2)).isEqualTo(NbdError.ENOSPC);
        assertThat(decode(0, CMD_READ, 0, 0)).isEqualTo(NbdError.EINVAL);
    }

    @Test
    void theMaximumBlockSizeBoundsOnlyCommandsThatMoveData() {
        assertThat(decode(0, CMD_READ, 0, (1 << 16) + 1)).isEqualTo(NbdError.EINVAL);
        // nbdcopy zeroes a whole hole in one request, as qemu-nbd and nbdkit allow.
        assertThat(decode(0, CMD_WRITE_ZEROES, 0, (1 << 16) + 1)).isEqualTo(NbdError.OK);
        assertThat(decode(0, CMD_TRIM, 0, SIZE)).isEqualTo(NbdError.OK);
        assertThat(decode(0, CMD_WRITE, 0, (1 << 16) + 1)).isEqualTo(NbdError.EINVAL);
        assertThat(decode(0, CMD_WRITE, 0, MAX_PAYLOAD + 1L)).isEqualTo(NbdRequestDecoder.DISCONNECT);
    }

    @Test
    void flagsMustBelongToTheCommand() {
        assertThat(decode(CMD_FLAG_NO_HOLE, CMD_WRITE_ZEROES, 0, 512)).isEqualTo(NbdError.OK);
        assertThat(decode(CMD_FLAG_NO_HOLE, CMD_WRITE, 0, 512)).isEqualTo(NbdError.EINVAL);
        assertThat(decode(CMD_FLAG_DF, CMD_READ, 0, 512))
                .as("DF without structured replies")
                .isEqualTo(NbdError.EINVAL);
        assertThat(decode(CMD_FLAG_FAST_ZERO, CMD_WRITE_ZEROES, 0, 512)).isEqualTo(NbdError.EINVAL);
        assertThat(decode(1 << 15, CMD_READ, 0, 512)).isEqualTo(NbdError.EINVAL);
        decoder.configure(SIZE, WRITABLE, true, false, 1, 1 << 16);
        assertThat(decode(CMD_FLAG_DF, CMD_READ, 0, 512)).isEqualTo(NbdError.OK);
    }

    @Test
    void unknownCommandsAreEinval() {
        assertThat(decode(0, CMD_CACHE, 0, 512)).isEqualTo(NbdError.EINVAL);
        assertThat(decode(0, CMD_BLOCK_STATUS, 0, 512)).isEqualTo(NbdError.EINVAL);
        assertThat(decode(0, 0xFFFF, 0, 512)).isEqualTo(NbdError.EINVAL);
    }

    @Test
    void flushTakesNoRange() {
        assertThat(decode(0, CMD_FLUSH, 0, 0)).isEqualTo(NbdError.OK);
        assertThat(decode(0, CMD_FLUSH, 0, 1)).isEqualTo(NbdError.EINVAL);
    }

    @Test
    void readOnlyExportsRefuseEveryKindOfWrite() {
        decoder.configure(SIZE, READ_ONLY | FLAG_SEND_CACHE, true, true, 1, 1 << 16);
        assertThat(decode(0, CMD_READ, 0, 512)).isEqualTo(NbdError.OK);
        assertThat(decode(0, CMD_FLUSH, 0, 0)).isEqualTo(NbdError.OK);
        assertThat(decode(0, CMD_WRITE, 0, 512)).isEqualTo(NbdError.EPERM);
        assertThat(decoder.payloadLength()).isEqualTo(512);
        assertThat(decode(0, CMD_TRIM, 0, 512)).isEqualTo(NbdError.EPERM);
        assertThat(decode(0, CMD_WRITE_ZEROES, 0, 512)).isEqualTo(NbdError.EPERM);
        assertThat(decode(0, CMD_CACHE, 0, 512)).as("CACHE only reads").isEqualTo(NbdError.OK);
        assertThat(decode(0, CMD_BLOCK_STATUS, 0, 512))
                .as("BLOCK_STATUS only reads")
                .isEqualTo(NbdError.OK);
    }

    @Test
    void trimAndReadsPastTheEndAreEinvalWritesEnospc() {
        assertThat(decode(0, CMD_TRIM, SIZE - 512, 1024)).isEqualTo(NbdError.EINVAL);
        assertThat(decode(0, CMD_WRITE_ZEROES, SIZE - 512, 1024)).isEqualTo(NbdError.ENOSPC);
    }

    @Test
    void cacheOnlyWhereAdvertisedAndBoundedByTheMaximumBlock() {
        assertThat(decode(0, CMD_CACHE, 0, 512)).isEqualTo(NbdError.EINVAL);
        decoder.configure(SIZE, WRITABLE | FLAG_SEND_CACHE, false, false, 1, 1 << 16);
        assertThat(decode(0, CMD_CACHE, 0, 512)).isEqualTo(NbdError.OK);
        assertThat(decode(CMD_FLAG_FUA, CMD_CACHE, 0, 512)).isEqualTo(NbdError.OK);
        assertThat(decode(CMD_FLAG_NO_HOLE, CMD_CACHE, 0, 512)).isEqualTo(NbdError.EINVAL);
        assertThat(decode(0, CMD_CACHE, 0, (1 << 16) + 1)).isEqualTo(NbdError.EINVAL);
        assertThat(decode(0, CMD_CACHE, SIZE, 1)).isEqualTo(NbdError.EINVAL);
    }

    @Test
    void fastZeroOnlyWhereAdvertised() {
        decoder.configure(SIZE, WRITABLE | FLAG_SEND_FAST_ZERO, false, false, 1, 1 << 16);
        assertThat(decode(CMD_FLAG_FAST_ZERO, CMD_WRITE_ZEROES, 0, 512)).isEqualTo(NbdError.OK);
        assertThat(decode(CMD_FLAG_FAST_ZERO | CMD_FLAG_NO_HOLE, CMD_WRITE_ZEROES, 0, SIZE))
                .isEqualTo(NbdError.OK);
        assertThat(decode(CMD_FLAG_FAST_ZERO, CMD_TRIM, 0, 512)).isEqualTo(NbdError.EINVAL);
    }

    @Test
    void blockStatusOnlyOnceAContextIsSelected() {
        decoder.configure(SIZE, WRITABLE, true, false, 1, 1 << 16);
        assertThat(decode(0, CMD_BLOCK_STATUS, 0, 512)).isEqualTo(NbdError.EINVAL);
        decoder.configure(SIZE, WRITABLE, true, true, 1, 1 << 16);
        assertThat(decode(0, CMD_BLOCK_STATUS, 0, SIZE))
                .as("not bounded by the maximum block")
                .isEqualTo(NbdError.OK);
        assertThat(decode(CMD_FLAG_REQ_ONE, CMD_BLOCK_STATUS, 0, 512)).isEqualTo(NbdError.OK);
        assertThat(decode(CMD_FLAG_REQ_ONE, CMD_READ, 0, 512)).isEqualTo(NbdError.EINVAL);
        assertThat(decode(0, CMD_BLOCK_STATUS, SIZE - 512, 1024)).isEqualTo(NbdError.EINVAL);
        assertThat(decode(0, CMD_BLOCK_STATUS, 0, 0)).isEqualTo(NbdError.EINVAL);
    }

    @Test
    void blockStatusNeedsStructuredReplies() {
        Assertions.assertThatThrownBy(() -> decoder.configure(SIZE, WRITABLE, false, true, 1, 1 << 16))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void requestsMustBeAlignedToTheMinimumBlockSize() {
        decoder.configure(SIZE, WRITABLE, false, false, 512, 1 << 16);
        assertThat(decode(0, CMD_READ, 512, 1024)).isEqualTo(NbdError.OK);
        assertThat(decode(0, CMD_READ, 100, 512)).isEqualTo(NbdError.EINVAL);
        assertThat(decode(0, CMD_WRITE, 0, 100)).isEqualTo(NbdError.EINVAL);
    }
}
