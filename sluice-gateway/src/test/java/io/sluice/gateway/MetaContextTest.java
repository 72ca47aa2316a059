package io.sluice.gateway;

import static io.sluice.gateway.nbd.NbdDescriptor.*;
import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.gateway.nbd.NbdError;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Metadata contexts and the commands around sparse images, byte by byte from a raw socket: the negotiation rules of
 * NBD_OPT_LIST/SET_META_CONTEXT, NBD_CMD_BLOCK_STATUS on a file with a known layout, and the CACHE and FAST_ZERO flags
 * a file export offers.
 */
class MetaContextTest {
    private static final int SIZE = 16 << 20;
    private static final int DATA_AT = 4 << 20;
    private static final int DATA_LENGTH = 1 << 20;

    @TempDir
    static Path dir;

    static GatewayProcess gateway;

    @BeforeAll
    static void start() throws Exception {
        // A hole, 1 MiB of data at 4 MiB, a hole to the end: ftruncate allocates nothing.
        try (RandomAccessFile file =
                new RandomAccessFile(dir.resolve("sparse.img").toFile(), "rw")) {
            file.setLength(SIZE);
            byte[] data = new byte[DATA_LENGTH];
            new Random(3).nextBytes(data);
            file.seek(DATA_AT);
            file.write(data);
        }
        Tools.emptyFile(dir, "other.img", 1 << 20);
        Tools.randomFile(dir, "ro.img", 1 << 20, 4);
        gateway = GatewayProcess.start(
                dir,
                "sparse=" + dir.resolve("sparse.img"),
                "other=" + dir.resolve("other.img"),
                "ro=" + dir.resolve("ro.img") + ",ro");
    }

    @AfterAll
    static void stop() throws Exception {
        if (gateway != null) {
            gateway.close();
        }
    }

    private static RawNbdClient structured() throws Exception {
        RawNbdClient client = new RawNbdClient(gateway.port()).greet(FLAG_C_FIXED_NEWSTYLE | FLAG_C_NO_ZEROES);
        client.option(OPT_STRUCTURED_REPLY, new byte[0]);
        assertThat(client.optionReply().type()).isEqualTo(REP_ACK);
        client.structured = true;
        return client;
    }

    /** The META_CONTEXT replies to one option, up to its final reply, whose type ends the list. */
    private static List<RawNbdClient.OptionReply> replies(RawNbdClient client) throws Exception {
        List<RawNbdClient.OptionReply> replies = new ArrayList<>();
        RawNbdClient.OptionReply reply;
        do {
            reply = client.optionReply();
            replies.add(reply);
        } while (reply.type() == REP_META_CONTEXT);
        return replies;
    }

    private static String contextName(RawNbdClient.OptionReply reply) {
        return new String(reply.data(), 4, reply.data().length - 4, StandardCharsets.UTF_8);
    }

    private static int contextId(RawNbdClient.OptionReply reply) {
        return ByteBuffer.wrap(reply.data()).getInt(0);
    }

    /** Structured replies, base:allocation selected for {@code export}, transmission entered. */
    private static RawNbdClient withBlockStatus(String export) throws Exception {
        RawNbdClient client = structured();
        client.option(OPT_SET_META_CONTEXT, RawNbdClient.metaContextData(export, BASE_ALLOCATION));
        assertThat(replies(client))
                .extracting(RawNbdClient.OptionReply::type)
                .containsExactly(REP_META_CONTEXT, REP_ACK);
        return client.enter(export);
    }

    /** Sends NBD_CMD_BLOCK_STATUS and returns its descriptors as (length, flags) pairs. */
    private static List<long[]> blockStatus(RawNbdClient client, int flags, long offset, long length) throws Exception {
        client.request(flags, CMD_BLOCK_STATUS, 77, offset, length, null);
        RawNbdClient.Reply reply = client.reply(0);
        assertThat(reply.error()).as("block status error").isZero();
        assertThat(reply.type()).isEqualTo(REPLY_TYPE_BLOCK_STATUS);
        assertThat(reply.flags() & REPLY_FLAG_DONE).isNotZero();
        assertThat(reply.handle()).isEqualTo(77);
        ByteBuffer payload = ByteBuffer.wrap(reply.payload());
        assertThat(payload.getInt()).as("context id").isEqualTo(BASE_ALLOCATION_ID);
        List<long[]> extents = new ArrayList<>();
        while (payload.hasRemaining()) {
            extents.add(new long[] {payload.getInt() & 0xFFFF_FFFFL, payload.getInt()});
        }
        return extents;
    }

    @Test
    void metaContextsNeedStructuredRepliesFirst() throws Exception {
        try (RawNbdClient client = new RawNbdClient(gateway.port()).greet(FLAG_C_FIXED_NEWSTYLE)) {
            client.option(OPT_SET_META_CONTEXT, RawNbdClient.metaContextData("sparse", BASE_ALLOCATION));
            assertThat(client.optionReply().type()).isEqualTo(REP_ERR_INVALID);
            client.option(OPT_LIST_META_CONTEXT, RawNbdClient.metaContextData("sparse"));
            assertThat(client.optionReply().type()).isEqualTo(REP_ERR_INVALID);
        }
    }

    @Test
    void listOffersBaseAllocationWithAReservedId() throws Exception {
        try (RawNbdClient client = structured()) {
            for (String[] queries : new String[][] {{}, {"base:"}, {BASE_ALLOCATION, "x-other:thing"}}) {
                client.option(OPT_LIST_META_CONTEXT, RawNbdClient.metaContextData("sparse", queries));
                List<RawNbdClient.OptionReply> replies = replies(client);
                assertThat(replies).hasSize(2);
                assertThat(contextName(replies.get(0))).isEqualTo(BASE_ALLOCATION);
                assertThat(contextId(replies.get(0))).isZero();
                assertThat(replies.get(1).type()).isEqualTo(REP_ACK);
            }
            client.option(OPT_LIST_META_CONTEXT, RawNbdClient.metaContextData("sparse", "qemu:dirty-bitmap:x"));
            assertThat(replies(client))
                    .extracting(RawNbdClient.OptionReply::type)
                    .containsExactly(REP_ACK);
        }
    }

    @Test
    void setSelectsBaseAllocationOnceAndIgnoresWhatItDoesNotKnow() throws Exception {
        try (RawNbdClient client = structured()) {
            client.option(
                    OPT_SET_META_CONTEXT,
                    RawNbdClient.metaContextData("sparse", "x-foo:bar", BASE_ALLOCATION, "base:", BASE_ALLOCATION));
            List<RawNbdClient.OptionReply> replies = replies(client);
            assertThat(replies).extracting(RawNbdClient.OptionReply::type).containsExactly(REP_META_CONTEXT, REP_ACK);
            assertThat(contextName(replies.get(0))).isEqualTo(BASE_ALLOCATION);
            assertThat(contextId(replies.get(0))).isEqualTo(BASE_ALLOCATION_ID);
            client.option(OPT_SET_META_CONTEXT, RawNbdClient.metaContextData("sparse"));
            assertThat(replies(client))
                    .extracting(RawNbdClient.OptionReply::type)
                    .containsExactly(REP_ACK);
        }
    }

    @Test
    void malformedOrUnknownRequestsAreRefusedAndNegotiationGoesOn() throws Exception {
        try (RawNbdClient client = structured()) {
            client.option(OPT_SET_META_CONTEXT, RawNbdClient.metaContextData("no-such-export", BASE_ALLOCATION));
            assertThat(client.optionReply().type()).isEqualTo(REP_ERR_UNKNOWN);
            client.option(OPT_SET_META_CONTEXT, RawNbdClient.metaContextData("sparse", "no-namespace"));
            assertThat(client.optionReply().type()).isEqualTo(REP_ERR_INVALID);
            byte[] truncated = RawNbdClient.metaContextData("sparse", BASE_ALLOCATION);
            client.option(OPT_SET_META_CONTEXT, Arrays.copyOf(truncated, truncated.length - 3));
            assertThat(client.optionReply().type()).isEqualTo(REP_ERR_INVALID);
            byte[] trailing = Arrays.copyOf(truncated, truncated.length + 2);
            client.option(OPT_LIST_META_CONTEXT, trailing);
            assertThat(client.optionReply().type()).isEqualTo(REP_ERR_INVALID);
            byte[] hugeCount = RawNbdClient.metaContextData("sparse");
            ByteBuffer.wrap(hugeCount).putInt(hugeCount.length - 4, -1);
            client.option(OPT_LIST_META_CONTEXT, hugeCount);
            assertThat(client.optionReply().type()).isEqualTo(REP_ERR_INVALID);
            client.enter("sparse");
            // The failed SETs left nothing selected.
            client.request(0, CMD_BLOCK_STATUS, 1, 0, 4096, null);
            assertThat(client.reply(0).error()).isEqualTo(NbdError.EINVAL);
        }
    }

    @Test
    void blockStatusDescribesTheFilesHolesAndData() throws Exception {
        try (RawNbdClient client = withBlockStatus("sparse")) {
            assertThat(blockStatus(client, 0, 0, SIZE))
                    .containsExactly(
                            new long[] {DATA_AT, STATE_HOLE | STATE_ZERO},
                            new long[] {DATA_LENGTH, 0},
                            new long[] {SIZE - DATA_AT - DATA_LENGTH, STATE_HOLE | STATE_ZERO});
            // A range that starts inside the data and ends inside the hole after it.
            assertThat(blockStatus(client, 0, DATA_AT + 4096, DATA_LENGTH))
                    .containsExactly(new long[] {DATA_LENGTH - 4096, 0}, new long[] {4096, STATE_HOLE | STATE_ZERO});
            // REQ_ONE: exactly one extent, no longer than asked for.
            assertThat(blockStatus(client, CMD_FLAG_REQ_ONE, 0, SIZE))
                    .containsExactly(new long[] {DATA_AT, STATE_HOLE | STATE_ZERO});
            assertThat(blockStatus(client, CMD_FLAG_REQ_ONE, DATA_AT, 8192)).containsExactly(new long[] {8192, 0});
            client.request(0, CMD_BLOCK_STATUS, 5, SIZE - 4096, 8192, null);
            assertThat(client.reply(0).error()).isEqualTo(NbdError.EINVAL);
        }
    }

    @Test
    void aTrimOrAZeroedRangeBecomesAHole() throws Exception {
        try (RawNbdClient client = withBlockStatus("other")) {
            byte[] data = new byte[256 << 10];
            new Random(8).nextBytes(data);
            client.write(0, data);
            client.write(256 << 10, data);
            assertThat(blockStatus(client, 0, 512 << 10)).containsExactly(new long[] {512 << 10, 0});
            client.request(0, CMD_TRIM, 2, 0, 256 << 10, null);
            assertThat(client.reply(0).error()).isZero();
            client.request(0, CMD_WRITE_ZEROES, 3, 256 << 10, 256 << 10, null);
            assertThat(client.reply(0).error()).isZero();
            assertThat(blockStatus(client, 0, 512 << 10))
                    .containsExactly(new long[] {512 << 10, STATE_HOLE | STATE_ZERO});
            assertThat(client.read(0, 512 << 10)).isEqualTo(new byte[512 << 10]);
        }
    }

    private static List<long[]> blockStatus(RawNbdClient client, long offset, long length) throws Exception {
        return blockStatus(client, 0, offset, length);
    }

    @Test
    void blockStatusNeedsTheContextSelectedForTheSameExport() throws Exception {
        try (RawNbdClient client = structured()) {
            client.option(OPT_SET_META_CONTEXT, RawNbdClient.metaContextData("other", BASE_ALLOCATION));
            replies(client);
            client.enter("sparse");
            client.request(0, CMD_BLOCK_STATUS, 1, 0, 4096, null);
            assertThat(client.reply(0).error()).isEqualTo(NbdError.EINVAL);
        }
        try (RawNbdClient client = new RawNbdClient(gateway.port()).go("sparse", true)) {
            client.request(0, CMD_BLOCK_STATUS, 1, 0, 4096, null);
            assertThat(client.reply(0).error()).isEqualTo(NbdError.EINVAL);
        }
    }

    @Test
    void aFileExportOffersCacheAndFastZero() throws Exception {
        try (RawNbdClient client = new RawNbdClient(gateway.port()).go("other", true)) {
            assertThat(client.transmissionFlags & FLAG_SEND_CACHE).isNotZero();
            assertThat(client.transmissionFlags & FLAG_SEND_FAST_ZERO).isNotZero();
            client.request(0, CMD_CACHE, 1, 0, 1 << 20, null);
            assertThat(client.reply(0).error()).isZero();
            // On ext4, xfs or tmpfs, punching a hole is fast; NO_HOLE zeroes in place (ZERO_RANGE)
            // where the file system can, and is refused fast with ENOTSUP where it cannot.
            client.request(CMD_FLAG_FAST_ZERO, CMD_WRITE_ZEROES, 2, 0, 1 << 20, null);
            assertThat(client.reply(0).error()).isZero();
            client.request(CMD_FLAG_FAST_ZERO | CMD_FLAG_NO_HOLE, CMD_WRITE_ZEROES, 3, 0, 1 << 20, null);
            assertThat(client.reply(0).error()).isIn(NbdError.OK, NbdError.ENOTSUP);
        }
        try (RawNbdClient client = new RawNbdClient(gateway.port()).go("ro", true)) {
            assertThat(client.transmissionFlags & FLAG_SEND_CACHE).isNotZero();
            assertThat(client.transmissionFlags & (FLAG_SEND_FAST_ZERO | FLAG_SEND_TRIM))
                    .isZero();
        }
    }
}
