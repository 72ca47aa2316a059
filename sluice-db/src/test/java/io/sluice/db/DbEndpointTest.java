package io.sluice.db;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sluice.mailbox.Mailbox;
import io.sluice.mailbox.MailboxClient;
import io.sluice.mailbox.Reply;
import io.sluice.mailbox.ServerMailboxes;
import io.sluice.mailbox.SlotFlags;
import io.sluice.protocol.CallStatus;
import io.sluice.protocol.MailboxOpcodes;
import io.sluice.protocol.SampleBatchDescriptor;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/** The manager through its real mailbox: bad calls get typed problems, and good calls around them are served. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DbEndpointTest {
    @TempDir
    static Path dir;

    DbManager manager;
    Mailbox mailbox;
    MailboxClient web;
    MailboxClient services;
    final ObjectMapper mapper = new ObjectMapper();

    @BeforeAll
    void start() {
        try {
            DbContext context = DbContext.builder()
                    .dataDir(dir.resolve("data"))
                    .mailboxDir(dir)
                    .mailboxName("endpoint")
                    .build();
            manager = new DbManager(context);
            mailbox = Mailbox.open(context.mailboxFile());
            web = MailboxClient.attach(mailbox, ServerMailboxes.CALLER_WEB);
            services = MailboxClient.attach(mailbox, ServerMailboxes.CALLER_SERVICES);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @AfterAll
    void stop() {
        web.close();
        services.close();
        mailbox.close();
        manager.close();
    }

    Reply json(String request) throws Exception {
        return web.call(MailboxOpcodes.DB_JSON, request.replace('\'', '"').getBytes(StandardCharsets.UTF_8))
                .get(30, TimeUnit.SECONDS);
    }

    Reply samples(byte[] batch) throws Exception {
        return services.call(
                        MailboxOpcodes.DB_APPEND_SAMPLES, SlotFlags.IDEMPOTENT, services.nextCorrelationId(), batch)
                .get(30, TimeUnit.SECONDS);
    }

    JsonNode problem(Reply reply, int status) throws Exception {
        assertThat(reply.status())
                .as(new String(reply.result(), StandardCharsets.UTF_8))
                .isEqualTo(status);
        JsonNode problem = mapper.readTree(reply.result());
        assertThat(problem.get("type").asText()).isEqualTo(CallStatus.name(status));
        return problem;
    }

    void register(int... volumeIds) throws Exception {
        for (int volumeId : volumeIds) {
            Reply reply =
                    json("{'op':'volume.upsert','actor':'system:services','volumeId':" + volumeId + ",'gatewayId':7}");
            assertThat(reply.status())
                    .as(new String(reply.result(), StandardCharsets.UTF_8))
                    .isEqualTo(CallStatus.OK);
        }
    }

    @Test
    void garbledAndOversizeBatchesAreRefusedAndGoodOnesStored() throws Exception {
        long t = System.currentTimeMillis() / 1000 * 1000;
        register(1, 2, 3);
        assertThat(samples(Batches.batch(1, 1, 3, t)).status()).isEqualTo(CallStatus.OK);

        problem(samples(new byte[5]), CallStatus.INVALID);
        byte[] wrongCount = Batches.batch(2, 1, 3, t);
        ByteBuffer.wrap(wrongCount).putInt(SampleBatchDescriptor.COUNT_OFFSET, 7);
        problem(samples(wrongCount), CallStatus.INVALID);
        byte[] badDirection = Batches.batch(3, 1, 1, t);
        ByteBuffer.wrap(badDirection)
                .putInt(SampleBatchDescriptor.SAMPLES_OFFSET + SampleBatchDescriptor.DIRECTION_OFFSET, 9);
        problem(samples(badDirection), CallStatus.INVALID);
        byte[] zeroInterval = Batches.batch(4, 1, 1, t);
        ByteBuffer.wrap(zeroInterval)
                .putInt(SampleBatchDescriptor.SAMPLES_OFFSET + SampleBatchDescriptor.INTERVAL_LENGTH_OFFSET, 0);
        problem(samples(zeroInterval), CallStatus.INVALID);
        int max = SampleBatchDescriptor.maxSamples(ServerMailboxes.DB.paramCapacity());
        byte[] header = new byte[SampleBatchDescriptor.SAMPLES_OFFSET];
        ByteBuffer.wrap(header).putLong(0, 5).putInt(SampleBatchDescriptor.COUNT_OFFSET, max + 1);
        problem(samples(header), CallStatus.TOO_LARGE);

        // The same batch again is acknowledged without being stored twice.
        assertThat(samples(Batches.batch(1, 1, 3, t)).status()).isEqualTo(CallStatus.OK);
        assertThat(samples(Batches.batch(6, 1, 3, t + 1000)).status()).isEqualTo(CallStatus.OK);
        JsonNode range = mapper.readTree(
                json("{'op':'samples.range','actor':'a','volumeId':1,'from':" + t + ",'to':" + (t + 2000) + "}")
                        .result());
        assertThat(range.get("points")).hasSize(2);
        assertThat(range.get("points").get(0).get("ops").asLong()).isEqualTo(2 * 101);
        assertThat(manager.ingestionStatus().storedSamples()).isEqualTo(12);
    }

    @Test
    void samplesOfAVolumeNobodyRegisteredAreRefusedUntilItIs() throws Exception {
        long t = System.currentTimeMillis() / 1000 * 1000 - 60_000;
        register(40);
        JsonNode unknown = problem(samples(Batches.batch(100, 40, 3, t)), CallStatus.NOT_FOUND);
        assertThat(unknown.get("field").asText()).isEqualTo("volumeId");
        assertThat(unknown.get("volumeIds")).extracting(JsonNode::asInt).containsExactly(41, 42);
        problem(
                json("{'op':'volume.upsert','actor':'system:services','volumeId':0,'gatewayId':7}"),
                CallStatus.INVALID);
        register(41, 42);
        assertThat(samples(Batches.batch(100, 40, 3, t)).status())
                .as("the same batch, once its volumes are registered")
                .isEqualTo(CallStatus.OK);
        JsonNode range = mapper.readTree(
                json("{'op':'samples.range','actor':'a','volumeId':42,'from':" + t + ",'to':" + (t + 1000) + "}")
                        .result());
        assertThat(range.get("points")).hasSize(1);
    }

    @Test
    void badJsonCallsAndUnknownOpcodesGetTypedProblems() throws Exception {
        problem(json("{oops"), CallStatus.INVALID);
        problem(json("{'op':'no.such','actor':'a'}"), CallStatus.UNKNOWN_OP);
        JsonNode conflict = problem(
                json("{'op':'sla.put','actor':'user:a','name':'x','expectedVersion':4,'spec':{'name':'x'}}"),
                CallStatus.CONFLICT);
        assertThat(conflict.get("currentVersion").asInt()).isZero();
        Reply unknown = web.call(0x0399, new byte[] {1, 2, 3}).get(30, TimeUnit.SECONDS);
        problem(unknown, CallStatus.UNKNOWN_OP);

        Reply status = json("{'op':'status','actor':'system:web'}");
        assertThat(status.status()).isEqualTo(CallStatus.OK);
        JsonNode body = mapper.readTree(status.result());
        assertThat(body.get("engine").asText()).isEqualTo("h2");
        assertThat(body.get("degraded").asBoolean()).isFalse();
    }
}
