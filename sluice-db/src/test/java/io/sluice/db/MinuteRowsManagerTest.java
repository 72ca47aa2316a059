package io.sluice.db;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sluice.mailbox.Mailbox;
import io.sluice.mailbox.MailboxClient;
import io.sluice.mailbox.Reply;
import io.sluice.mailbox.ServerMailboxes;
import io.sluice.mailbox.SlotFlags;
import io.sluice.protocol.CallStatus;
import io.sluice.protocol.MailboxOpcodes;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The manager with {@code historyLayout(MINUTE_ROWS)} through its real mailbox: batches acknowledged once journaled per
 * minute, read back at 1 s from memory, again after a restart (replayed), and a batch delivered twice counted once.
 */
class MinuteRowsManagerTest {
    @TempDir
    Path dir;

    private final ObjectMapper mapper = new ObjectMapper();

    @Test
    void batchesThroughTheMailboxAreJournaledPerMinuteAndReadBackAcrossARestart() throws Exception {
        DbContext context = DbContext.builder()
                .dataDir(dir.resolve("data"))
                .mailboxDir(dir)
                .mailboxName("minutes")
                .historyLayout(HistoryLayout.MINUTE_ROWS)
                .build();
        long t = System.currentTimeMillis() / 1000 * 1000;
        try (DbManager manager = new DbManager(context);
                Mailbox mailbox = Mailbox.open(context.mailboxFile());
                MailboxClient services = MailboxClient.attach(mailbox, ServerMailboxes.CALLER_SERVICES)) {
            assertThat(json(services, "{'op':'volume.upsert','actor':'system:services','volumeId':1,'gatewayId':7}")
                            .status())
                    .isEqualTo(CallStatus.OK);
            for (long id = 1; id <= 3; id++) {
                assertThat(samples(services, Batches.batch(id, 1, 1, t + id * 1000))
                                .status())
                        .isEqualTo(CallStatus.OK);
            }
            assertThat(samples(services, Batches.batch(2, 1, 1, t + 2000)).status())
                    .as("the same batch again")
                    .isEqualTo(CallStatus.OK);
            assertThat(points(services, t)).isEqualTo(3);
            assertThat(manager.ingestionStatus().storedSamples()).isEqualTo(3 * 2);
        }
        try (var segments = Files.list(context.minuteJournalDir())) {
            assertThat(segments.toList()).isNotEmpty();
        }
        try (DbManager manager = new DbManager(context);
                Mailbox mailbox = Mailbox.open(context.mailboxFile());
                MailboxClient services = MailboxClient.attach(mailbox, ServerMailboxes.CALLER_SERVICES)) {
            assertThat(points(services, t)).as("replayed from the journal").isEqualTo(3);
            assertThat(samples(services, Batches.batch(3, 1, 1, t + 3000)).status())
                    .as("a batch replayed is still known")
                    .isEqualTo(CallStatus.OK);
            assertThat(points(services, t)).isEqualTo(3);
        }
    }

    @Test
    void theLayoutIsRowsByDefaultAndAnUnknownOneIsRefusedNamingTheSetting() {
        assertThat(DbContext.builder().dataDir(dir).build().historyLayout()).isEqualTo(HistoryLayout.ROWS);
        assertThat(HistoryLayout.of("--history-layout", "minute-rows")).isEqualTo(HistoryLayout.MINUTE_ROWS);
        assertThatThrownBy(() -> HistoryLayout.of("--history-layout", "minute_rows"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("--history-layout")
                .hasMessageContaining("minute_rows");
    }

    /** The points (seconds) of volume 1 at 1 s over the ten seconds from {@code t}. */
    private long points(MailboxClient client, long t) throws Exception {
        Reply reply = json(
                client,
                "{'op':'samples.range','actor':'system:web','volumeId':1,'from':" + t + ",'to':" + (t + 10_000)
                        + ",'resolution':'1s'}");
        assertThat(reply.status())
                .as(new String(reply.result(), StandardCharsets.UTF_8))
                .isEqualTo(CallStatus.OK);
        JsonNode answer = mapper.readTree(reply.result());
        long ops = 0;
        for (JsonNode point : answer.get("points")) {
            ops += point.get("ops").asLong();
        }
        assertThat(ops).as("ops of %s", answer).isEqualTo(answer.get("points").size() * 2L * 101);
        return answer.get("points").size();
    }

    private static Reply json(MailboxClient client, String request) throws Exception {
        return client.call(MailboxOpcodes.DB_JSON, request.replace('\'', '"').getBytes(StandardCharsets.UTF_8))
                .get(30, TimeUnit.SECONDS);
    }

    private static Reply samples(MailboxClient client, byte[] batch) throws Exception {
        return client.call(MailboxOpcodes.DB_APPEND_SAMPLES, SlotFlags.IDEMPOTENT, client.nextCorrelationId(), batch)
                .get(30, TimeUnit.SECONDS);
    }
}
