package io.sluice.gateway;

import static io.sluice.gateway.nbd.NbdDescriptor.*;
import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.gateway.nbd.NbdError;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The protocol byte by byte from a raw socket: pipelining, structured replies, several connections to one export, and
 * malformed or hostile input, where each case gets the NBD error the spec asks for or a clean hang-up. After every test
 * a fresh, well-behaved client is still served.
 */
class RawProtocolTest {
    private static final int SIZE = 16 << 20;

    @TempDir
    static Path dir;

    static GatewayProcess gateway;

    @BeforeAll
    static void start() throws Exception {
        Tools.emptyFile(dir, "disk.img", SIZE);
        Tools.randomFile(dir, "ro.img", 1 << 20, 5);
        gateway = GatewayProcess.start(
                dir,
                "--handshake-timeout-ms=1000",
                "disk=" + dir.resolve("disk.img"),
                "ro=" + dir.resolve("ro.img") + ",ro");
    }

    @AfterAll
    static void stop() throws Exception {
        if (gateway != null) {
            gateway.close();
        }
    }

    /** The bystander: a new client that writes and reads back, after every hostile act. */
    @AfterEach
    void anotherClientIsStillServed() throws Exception {
        assertThat(gateway.isAlive()).isTrue();
        try (RawNbdClient client = new RawNbdClient(gateway.port()).go("disk", false)) {
            byte[] data = new byte[4096];
            new Random().nextBytes(data);
            client.write(SIZE - 4096, data);
            assertThat(client.read(SIZE - 4096, 4096)).isEqualTo(data);
        }
    }

    private static RawNbdClient connect(String export, boolean structured) throws Exception {
        return new RawNbdClient(gateway.port()).go(export, structured);
    }

    @Test
    void unknownOptionsAreRefusedWithErrUnsupAndNegotiationGoesOn() throws Exception {
        try (RawNbdClient client = new RawNbdClient(gateway.port()).greet(FLAG_C_FIXED_NEWSTYLE)) {
            client.option(99, new byte[] {1, 2, 3});
            assertThat(client.optionReply().type()).isEqualTo(REP_ERR_UNSUP);
            client.option(OPT_STARTTLS, new byte[0]);
            assertThat(client.optionReply().type()).isEqualTo(REP_ERR_UNSUP);
            client.option(OPT_LIST, new byte[] {0});
            assertThat(client.optionReply().type()).isEqualTo(REP_ERR_INVALID);
            client.option(OPT_GO, RawNbdClient.goData("no-such-export"));
            assertThat(client.optionReply().type()).isEqualTo(REP_ERR_UNKNOWN);
            client.option(OPT_INFO, new byte[] {0, 0, 0, 9, 0, 0});
            assertThat(client.optionReply().type()).isEqualTo(REP_ERR_INVALID);
            client.option(OPT_ABORT, new byte[0]);
            assertThat(client.optionReply().type()).isEqualTo(REP_ACK);
            assertThat(client.closedByServer()).isTrue();
        }
    }

    @Test
    void unknownClientFlagsEndTheSession() throws Exception {
        try (RawNbdClient client = new RawNbdClient(gateway.port()).greet(1 << 7)) {
            assertThat(client.closedByServer()).isTrue();
        }
    }

    @Test
    void garbageDuringTheHandshakeEndsTheSession() throws Exception {
        try (RawNbdClient client = new RawNbdClient(gateway.port()).greet(FLAG_C_FIXED_NEWSTYLE)) {
            byte[] garbage = new byte[64];
            new Random(1).nextBytes(garbage);
            client.raw(garbage);
            assertThat(client.closedByServer()).isTrue();
        }
    }

    @Test
    void badRequestMagicEndsTheSession() throws Exception {
        try (RawNbdClient client = connect("disk", false)) {
            client.raw(ByteBuffer.allocate(REQUEST_HEADER_LENGTH)
                    .putInt(0x12345678)
                    .array());
            assertThat(client.closedByServer()).isTrue();
        }
    }

    @Test
    void readBeyondTheEndIsEinvalAndTheSessionContinues() throws Exception {
        try (RawNbdClient client = connect("disk", false)) {
            client.request(0, CMD_READ, 7, SIZE - 512, 1024, null);
            RawNbdClient.Reply reply = client.reply(1024);
            assertThat(reply.handle()).isEqualTo(7);
            assertThat(reply.error()).isEqualTo(NbdError.EINVAL);
            client.request(0, CMD_READ, 8, -4096, 4096, null);
            assertThat(client.reply(4096).error()).isEqualTo(NbdError.EINVAL);
            assertThat(client.read(0, 512)).hasSize(512);
        }
    }

    @Test
    void oversizeReadIsEinvalAndOversizeWriteEndsTheSession() throws Exception {
        try (RawNbdClient client = connect("disk", false)) {
            client.request(0, CMD_READ, 1, 0, MAX_PAYLOAD + 4096L, null);
            assertThat(client.reply(0).error()).isEqualTo(NbdError.EINVAL);
            // 4 GiB minus one of payload announced: too large to swallow, so the gateway hangs up.
            client.request(0, CMD_WRITE, 2, 0, 0xFFFF_FFFFL, new byte[4096]);
            assertThat(client.closedByServer()).isTrue();
        }
    }

    @Test
    void writesToAReadOnlyExportAreEpermAndTheirDataIsSkipped() throws Exception {
        try (RawNbdClient client = connect("ro", false)) {
            assertThat(client.transmissionFlags & FLAG_READ_ONLY).isNotZero();
            byte[] original = client.read(0, 8192);
            client.request(0, CMD_WRITE, 3, 0, 8192, new byte[8192]);
            assertThat(client.reply(0).error()).isEqualTo(NbdError.EPERM);
            client.request(0, CMD_WRITE_ZEROES, 4, 0, 8192, null);
            assertThat(client.reply(0).error()).isEqualTo(NbdError.EPERM);
            client.request(0, CMD_TRIM, 5, 0, 8192, null);
            assertThat(client.reply(0).error()).isEqualTo(NbdError.EPERM);
            assertThat(client.read(0, 8192)).isEqualTo(original);
        }
    }

    @Test
    void writeBeyondTheEndIsEnospc() throws Exception {
        try (RawNbdClient client = connect("disk", false)) {
            client.request(0, CMD_WRITE, 6, SIZE - 100, 200, new byte[200]);
            assertThat(client.reply(0).error()).isEqualTo(NbdError.ENOSPC);
            client.request(0, CMD_WRITE_ZEROES, 6, SIZE, 1, null);
            assertThat(client.reply(0).error()).isEqualTo(NbdError.ENOSPC);
        }
    }

    @Test
    void unknownCommandsFlagsAndFieldsAreEinval() throws Exception {
        try (RawNbdClient client = connect("disk", false)) {
            client.request(0, 42, 1, 0, 0, null);
            assertThat(client.reply(0).error()).isEqualTo(NbdError.EINVAL);
            client.request(1 << 9, CMD_READ, 2, 0, 512, null);
            assertThat(client.reply(512).error()).isEqualTo(NbdError.EINVAL);
            // DF needs structured replies; NO_HOLE belongs to WRITE_ZEROES only.
            client.request(CMD_FLAG_DF, CMD_READ, 3, 0, 512, null);
            assertThat(client.reply(512).error()).isEqualTo(NbdError.EINVAL);
            client.request(CMD_FLAG_NO_HOLE, CMD_TRIM, 4, 0, 512, null);
            assertThat(client.reply(0).error()).isEqualTo(NbdError.EINVAL);
            client.request(0, CMD_FLUSH, 5, 4096, 0, null);
            assertThat(client.reply(0).error()).isEqualTo(NbdError.EINVAL);
            client.request(0, CMD_READ, 6, 0, 0, null);
            assertThat(client.reply(0).error()).isEqualTo(NbdError.EINVAL);
            client.request(CMD_FLAG_FUA, CMD_FLUSH, 7, 0, 0, null);
            assertThat(client.reply(0).error()).isZero();
        }
    }

    @Test
    void structuredRepliesCarryDataAndErrorsInChunks() throws Exception {
        try (RawNbdClient client = connect("disk", true)) {
            assertThat(client.transmissionFlags & FLAG_SEND_DF).isNotZero();
            client.request(CMD_FLAG_DF, CMD_READ, 11, 4096, 4096, null);
            RawNbdClient.Reply data = client.reply(0);
            assertThat(data.type()).isEqualTo(REPLY_TYPE_OFFSET_DATA);
            assertThat(data.flags()).isEqualTo(REPLY_FLAG_DONE);
            assertThat(data.handle()).isEqualTo(11);
            assertThat(ByteBuffer.wrap(data.payload()).getLong(0)).isEqualTo(4096);
            assertThat(data.payload()).hasSize(8 + 4096);

            client.request(0, CMD_READ, 12, SIZE, 512, null);
            RawNbdClient.Reply error = client.reply(0);
            assertThat(error.type()).isEqualTo(REPLY_TYPE_ERROR);
            assertThat(error.flags()).isEqualTo(REPLY_FLAG_DONE);
            assertThat(error.error()).isEqualTo(NbdError.EINVAL);
            int messageLength = ByteBuffer.wrap(error.payload()).getShort(4);
            assertThat(error.payload()).hasSize(6 + messageLength);
        }
    }

    @Test
    void garbageMidStreamEndsOnlyThatSession() throws Exception {
        try (RawNbdClient hostile = connect("disk", false);
                RawNbdClient bystander = connect("disk", true)) {
            hostile.write(0, new byte[4096]);
            byte[] garbage = new byte[REQUEST_HEADER_LENGTH * 4];
            new Random(2).nextBytes(garbage);
            hostile.raw(garbage);
            assertThat(hostile.closedByServer()).isTrue();
            assertThat(bystander.read(0, 4096)).hasSize(4096);
        }
    }

    @Test
    void pipelinedRequestsAreAllAnsweredByHandle() throws Exception {
        try (RawNbdClient client = connect("disk", false)) {
            int count = 48;
            byte[][] blocks = new byte[count][];
            Random random = new Random(3);
            for (int i = 0; i < count; i++) {
                blocks[i] = new byte[4096 * (1 + i % 4)];
                random.nextBytes(blocks[i]);
                client.request(
                        i % 3 == 0 ? CMD_FLAG_FUA : 0, CMD_WRITE, 1000 + i, i * 65536L, blocks[i].length, blocks[i]);
            }
            Set<Long> handles = new HashSet<>();
            for (int i = 0; i < count; i++) {
                RawNbdClient.Reply reply = client.reply(0);
                assertThat(reply.error()).isZero();
                handles.add(reply.handle());
            }
            assertThat(handles).hasSize(count);
            client.request(0, CMD_FLUSH, 1, 0, 0, null);
            assertThat(client.reply(0).error()).isZero();
            for (int i = 0; i < count; i++) {
                assertThat(client.read(i * 65536L, blocks[i].length)).isEqualTo(blocks[i]);
            }
        }
    }

    @Test
    void writesCompletedOnOneConnectionAreSeenAndFlushedThroughAnother() throws Exception {
        try (RawNbdClient a = connect("disk", false);
                RawNbdClient b = connect("disk", true)) {
            assertThat(a.transmissionFlags & FLAG_CAN_MULTI_CONN).isNotZero();
            byte[] data = new byte[65536];
            new Random(4).nextBytes(data);
            a.write(1 << 20, data);
            b.request(0, CMD_FLUSH, 9, 0, 0, null);
            assertThat(b.reply(0).error()).isZero();
            assertThat(b.read(1 << 20, data.length)).isEqualTo(data);
            assertThat(Files.readAllBytes(dir.resolve("disk.img")))
                    .as("flushed to the backing file")
                    .containsSequence(data);
        }
    }

    @Test
    void disconnectAnswersWhatIsInFlightThenCloses() throws Exception {
        try (RawNbdClient client = connect("disk", false)) {
            client.request(0, CMD_WRITE, 77, 8192, 4096, new byte[4096]);
            client.request(0, CMD_DISC, 78, 0, 0, null);
            RawNbdClient.Reply reply = client.reply(0);
            assertThat(reply.handle()).isEqualTo(77);
            assertThat(reply.error()).isZero();
            assertThat(client.closedByServer()).isTrue();
        }
    }

    @Test
    void aClientThatStallsInTheHandshakeIsDisconnected() throws Exception {
        try (RawNbdClient client = new RawNbdClient(gateway.port())) {
            long start = System.nanoTime();
            client.greet(FLAG_C_FIXED_NEWSTYLE);
            assertThat(client.closedByServer()).isTrue();
            assertThat(System.nanoTime() - start).isGreaterThan(900_000_000L);
        }
    }

    @Test
    void aClientThatNeverReadsItsRepliesStallsOnlyItself() throws Exception {
        try (RawNbdClient hostile = connect("disk", false);
                RawNbdClient bystander = connect("disk", false)) {
            // 128 MiB of replies asked for and never read: the hostile connection's writer blocks on
            // its full socket, then its reader on its spent buffer budget. Nobody else notices.
            for (int i = 0; i < 128; i++) {
                hostile.request(0, CMD_READ, i, (i % 16) * (1L << 20), 1 << 20, null);
            }
            for (int i = 0; i < 20; i++) {
                byte[] data = new byte[65536];
                new Random(i).nextBytes(data);
                bystander.write(i * 65536L, data);
                assertThat(bystander.read(i * 65536L, data.length)).isEqualTo(data);
            }
        }
    }

    /**
     * Replies the socket would not take at once (the client reads only after asking for far more than the socket
     * buffers hold) are finished by the connection's writer once the client reads: every one arrives whole, its bytes
     * not mixed with another's, under its own handle, simple and structured alike.
     */
    @Test
    void repliesThatFillTheSocketArriveWholeOnceTheClientReads() throws Exception {
        byte[] image = Files.readAllBytes(dir.resolve("ro.img"));
        int count = 48;
        int length = 512 << 10;
        for (boolean structured : new boolean[] {false, true}) {
            try (RawNbdClient client = connect("ro", structured)) {
                for (int i = 0; i < count; i++) {
                    client.request(0, CMD_READ, 500 + i, i * 8192L, length, null);
                }
                // Lets the gateway fill the socket before anything is read (nothing is judged on time).
                Thread.sleep(300);
                Map<Long, byte[]> replies = new HashMap<>();
                for (int i = 0; i < count; i++) {
                    RawNbdClient.Reply reply = client.reply(length);
                    assertThat(reply.error()).isZero();
                    replies.put(
                            reply.handle(),
                            structured
                                    ? Arrays.copyOfRange(reply.payload(), 8, reply.payload().length)
                                    : reply.payload());
                }
                assertThat(replies).hasSize(count);
                for (int i = 0; i < count; i++) {
                    int offset = i * 8192;
                    assertThat(replies.get(500L + i))
                            .as("reply %d, structured %s", i, structured)
                            .isEqualTo(Arrays.copyOfRange(image, offset, offset + length));
                }
            }
        }
    }

    @Test
    void shutdownIsPromptEvenWithAClientThatNeverReads() throws Exception {
        Path image = Tools.emptyFile(dir, "shutdown.img", 64 << 20);
        GatewayProcess own = GatewayProcess.start(dir, "vol=" + image);
        try (RawNbdClient hostile = new RawNbdClient(own.port()).go("vol", false);
                RawNbdClient idle = new RawNbdClient(own.port()).greet(FLAG_C_FIXED_NEWSTYLE)) {
            for (int i = 0; i < 128; i++) {
                hostile.request(0, CMD_READ, i, 0, 1 << 20, null);
            }
            long start = System.nanoTime();
            own.close();
            assertThat(System.nanoTime() - start).as("SIGTERM to exit").isLessThan(10_000_000_000L);
        }
    }

    @Test
    void aClientThatStopsMidRequestIsCleanedUp() throws Exception {
        try (RawNbdClient client = connect("disk", false)) {
            client.request(0, CMD_WRITE, 1, 0, 1 << 20, new byte[1000]);
        }
        try (RawNbdClient client = new RawNbdClient(gateway.port())) {
            client.raw(new byte[3]);
        }
    }
}
