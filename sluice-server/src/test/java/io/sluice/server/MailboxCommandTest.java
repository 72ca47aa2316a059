package io.sluice.server;

import static io.sluice.server.CommandRun.sluice;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sluice.common.ExitCode;
import io.sluice.mailbox.Mailbox;
import io.sluice.mailbox.MailboxCaller;
import io.sluice.mailbox.MailboxGeometry;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MailboxCommandTest {
    @TempDir
    Path dir;

    @Test
    void helpListsTheCommands() {
        CommandRun run = sluice("--help");
        assertThat(run.exit()).isZero();
        assertThat(run.out()).contains("mailbox", "bench", "test");
    }

    @Test
    void createInspectCancelAndSweep() throws Exception {
        Path file = dir.resolve("box");
        assertThat(sluice("mailbox", "create", file.toString(), "--slots", "16", "--slot-size", "256")
                        .exit())
                .isZero();
        assertThat(sluice("mailbox", "create", file.toString()).exit()).isEqualTo(ExitCode.FAILURE);

        CommandRun empty = sluice("mailbox", "inspect", file.toString());
        assertThat(empty.exit()).isZero();
        assertThat(empty.out()).contains("16 free, 0 in use", "healthy");

        long handle;
        try (Mailbox mailbox = Mailbox.open(file)) {
            handle = MailboxCaller.attach(mailbox, 3).call(42, 0, 777, new byte[] {1, 2, 3});
        }
        CommandRun busy = sluice("mailbox", "inspect", file.toString());
        assertThat(busy.exit()).as("a posted call with no callee is a finding").isEqualTo(ExitCode.FAILURE);
        assertThat(busy.out()).contains("POSTED", "777", "NO_CALLEE");

        JsonNode json = new ObjectMapper()
                .readTree(
                        sluice("mailbox", "inspect", "--json", file.toString()).out());
        assertThat(json.get("healthy").asBoolean()).isFalse();
        assertThat(json.get("slots").get(0).get("correlationId").asLong()).isEqualTo(777);
        assertThat(json.get("slots").get(0).get("opcode").asInt()).isEqualTo(42);
        assertThat(json.get("geometry").get("slotCount").asInt()).isEqualTo(16);

        int slot = (int) (handle & 0xFFF);
        CommandRun cancel = sluice("mailbox", "cancel", file.toString(), Integer.toString(slot));
        assertThat(cancel.exit()).isZero();
        assertThat(cancel.out()).contains("OK");
        assertThat(sluice("mailbox", "inspect", file.toString()).out()).contains("DONE", "CANCELLED");
        assertThat(sluice("mailbox", "cancel", file.toString(), "99").exit()).isEqualTo(ExitCode.USAGE);
        assertThat(sluice("mailbox", "sweep", file.toString()).out()).contains("SweepResult");
    }

    @Test
    void badFilesGiveOneClearLineAndExitCode3() throws Exception {
        Path foreign = dir.resolve("foreign");
        Files.writeString(foreign, "hello, I am not a mailbox".repeat(20));
        CommandRun run = sluice("mailbox", "inspect", foreign.toString());
        assertThat(run.exit()).isEqualTo(ExitCode.BAD_FILE);
        assertThat(run.err()).contains("foreign", foreign.toString()).doesNotContain("Exception");

        CommandRun missing = sluice("mailbox", "inspect", dir.resolve("nope").toString());
        assertThat(missing.exit()).isEqualTo(ExitCode.BAD_FILE);
        assertThat(missing.err()).contains("missing");

        Path truncated = dir.resolve("truncated");
        Mailbox.create(truncated, new MailboxGeometry(8, 256, 2, 1)).close();
        try (var ch = FileChannel.open(truncated, StandardOpenOption.WRITE)) {
            ch.truncate(1000);
        }
        assertThat(sluice("mailbox", "inspect", truncated.toString()).err()).contains("truncated");
    }
}
