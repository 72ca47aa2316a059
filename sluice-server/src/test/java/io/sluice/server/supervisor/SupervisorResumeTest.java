package io.sluice.server.supervisor;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sluice.mailbox.Mailbox;
import io.sluice.mailbox.MailboxCallee;
import io.sluice.mailbox.MailboxClient;
import io.sluice.mailbox.MailboxGeometry;
import io.sluice.mailbox.MailboxSnapshot;
import io.sluice.mailbox.ParamWriter;
import io.sluice.mailbox.Reply;
import io.sluice.mailbox.ServerMailboxes;
import io.sluice.mailbox.SlotInfo;
import io.sluice.mailbox.SlotState;
import io.sluice.protocol.CallStatus;
import io.sluice.protocol.MailboxOpcodes;
import io.sluice.server.TestSupervision;
import io.sluice.testkit.Await;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The services role killed by -9 while its calls wait in the database manager's mailbox, restarted by the supervisor:
 * the new process takes the caller index over, collects the dead one's replies once the database manager answers, says
 * so in its status, and every slot of the mailbox comes back free.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class SupervisorResumeTest {
    @TempDir
    Path dir;

    @Test
    void restartedServicesRoleCollectsItsPredecessorsDatabaseReplies() throws Exception {
        String name = "sluice-resume-" + ProcessHandle.current().pid();
        Path shm = SupervisedRoles.SHM;
        Path servicesBox = ServerMailboxes.file(shm, name, ServerMailboxes.SERVICES_SUFFIX);
        Path queriesBox = ServerMailboxes.file(shm, name, ServerMailboxes.SERVICES_QUERIES_SUFFIX);
        Path monitorBox = ServerMailboxes.file(shm, name, ServerMailboxes.MONITOR_SUFFIX);
        Path dbBox = ServerMailboxes.file(shm, name, ServerMailboxes.DB_SUFFIX);
        Map<Path, MailboxGeometry> mailboxes = new LinkedHashMap<>();
        mailboxes.put(servicesBox, ServerMailboxes.SERVICES);
        mailboxes.put(queriesBox, ServerMailboxes.SERVICES_QUERIES);
        mailboxes.put(monitorBox, ServerMailboxes.MONITOR);
        mailboxes.put(dbBox, ServerMailboxes.DB);
        RoleSpec services = new RoleSpec(
                "services",
                List.of("services", "--mailbox-dir", shm.toString(), "--mailbox-name", name, "--status-every", "0"),
                servicesBox);
        ConcurrentLinkedQueue<String> log = new ConcurrentLinkedQueue<>();
        try (Supervisor supervisor = SupervisedRoles.supervise(
                        dir, mailboxes, services, TestSupervision.HEARTBEAT_TIMEOUT_MILLIS, log);
                Mailbox db = Mailbox.open(dbBox)) {
            supervisor.start();
            // No database manager yet: the services' startup load waits in its mailbox.
            Await.until(90_000, () -> !callsOfServices(db).isEmpty());
            long pid = SupervisedRoles.killRole(supervisor);
            int left = callsOfServices(db).size();
            assertThat(left).isPositive();

            SupervisedRoles.awaitRestarts(supervisor, 1, 90_000);
            long successor = supervisor.status().getFirst().pid();
            Await.until(
                    90_000,
                    () -> db.callerEntry(ServerMailboxes.CALLER_SERVICES).pid() == successor);
            assertThat(db.callerEntry(ServerMailboxes.CALLER_SERVICES).pid()).isNotEqualTo(pid);

            // The database manager comes up and answers every call, the dead process's and the new one's.
            MailboxCallee callee = MailboxCallee.attach(db);
            byte[] empty = "{\"items\": [], \"next\": null}".getBytes(StandardCharsets.UTF_8);
            try (Mailbox queries = Mailbox.open(queriesBox);
                    MailboxClient tool = MailboxClient.attachTool(queries)) {
                ObjectMapper json = new ObjectMapper();
                Await.until(90_000, () -> {
                    callee.poll(
                            request -> request.reply(
                                    CallStatus.OK,
                                    request.opcode() == MailboxOpcodes.DB_JSON
                                            ? ParamWriter.of(empty)
                                            : ParamWriter.EMPTY),
                            64);
                    JsonNode forwarding = status(tool, json).path("dbForwarding");
                    return forwarding.path("inheritedCalls").asLong()
                                    + forwarding.path("inheritedStored").asLong()
                            == left;
                });
                Await.until(90_000, () -> {
                    callee.poll(request -> request.reply(CallStatus.OK, ParamWriter.of(empty)), 64);
                    return MailboxSnapshot.take(db).freeSlots() == ServerMailboxes.DB.slotCount();
                });
            } finally {
                callee.close();
            }
        } finally {
            SupervisedRoles.removeMailboxDirectory(servicesBox);
        }
    }

    private static List<SlotInfo> callsOfServices(Mailbox db) {
        List<SlotInfo> calls = new ArrayList<>();
        for (int slot = 0; slot < db.geometry().slotCount(); slot++) {
            SlotInfo info = db.slotInfo(slot);
            if (info.state() != SlotState.FREE && info.callerIndex() == ServerMailboxes.CALLER_SERVICES) {
                calls.add(info);
            }
        }
        return calls;
    }

    private static JsonNode status(MailboxClient tool, ObjectMapper json) {
        try {
            Reply reply = tool.call(
                            MailboxOpcodes.SERVICES_JSON, "{\"op\": \"status\"}".getBytes(StandardCharsets.UTF_8))
                    .get(30, TimeUnit.SECONDS);
            return json.readTree(reply.result());
        } catch (Exception e) {
            throw new AssertionError("services status", e);
        }
    }
}
