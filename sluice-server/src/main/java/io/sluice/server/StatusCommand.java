package io.sluice.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sluice.common.ExitCode;
import io.sluice.mailbox.Mailbox;
import io.sluice.mailbox.MailboxClient;
import io.sluice.mailbox.Reply;
import io.sluice.mailbox.ServerMailboxes;
import io.sluice.protocol.MailboxOpcodes;
import io.sluice.protocol.MonitorStatusDescriptor;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code sluice status}: each role's pid, uptime, heartbeat, restarts and mailbox backlog, from the supervisor. */
@Command(
        name = "status",
        mixinStandardHelpOptions = true,
        description = "Show the roles of a running server (from its run directory).")
final class StatusCommand implements Callable<Integer> {
    @Option(
            names = "--run-dir",
            defaultValue = "data/run",
            description = "the server's run directory: <data-dir>/run (default ${DEFAULT-VALUE})")
    Path runDir;

    @Option(names = "--json", description = "print status.json as it is")
    boolean json;

    @Option(names = "--mailbox-dir", defaultValue = "/dev/shm", description = "where the server's mailboxes live")
    Path mailboxDir;

    @Option(
            names = "--name",
            defaultValue = "sluice",
            description = "the server's mailbox prefix (default ${DEFAULT-VALUE})")
    String name;

    @Override
    public Integer call() throws Exception {
        Path file = runDir.resolve("status.json");
        if (!Files.exists(file)) {
            System.err.println("sluice: no server status in " + runDir + " (is `sluice server --run-dir " + runDir
                    + "` running?)");
            return ExitCode.FAILURE;
        }
        JsonNode status = new ObjectMapper().readTree(file.toFile());
        long supervisor = status.get("supervisorPid").asLong();
        boolean running =
                ProcessHandle.of(supervisor).map(ProcessHandle::isAlive).orElse(false);
        if (json) {
            System.out.println(status.toPrettyString());
            return running ? ExitCode.OK : ExitCode.FAILURE;
        }
        long age = System.currentTimeMillis() - status.get("at").asLong();
        System.out.printf(
                "supervisor pid %d, %s, status written %d ms ago%n",
                supervisor, running ? "running" : "NOT RUNNING", age);
        JsonNode ha = status.path("ha");
        if (ha.isObject()) {
            String holder = ha.path("holder").asText();
            System.out.printf(
                    "pair: this server (%s) is %s; lease held by %s at epoch %d%n",
                    ha.path("self").asText(),
                    ha.path("role").asText().toUpperCase(Locale.ROOT),
                    holder.isEmpty() ? "nobody yet" : holder,
                    ha.path("epoch").asLong());
        }
        int width = 4;
        for (JsonNode role : status.get("roles")) {
            width = Math.max(width, role.get("name").asText().length());
        }
        String roleColumn = "%-" + width + "s ";
        System.out.printf(
                roleColumn + "%8s %6s %10s %9s %12s %8s  %s%n",
                "role",
                "pid",
                "alive",
                "uptime s",
                "restarts",
                "heartbeat ms",
                "backlog",
                "last exit");
        for (JsonNode role : status.get("roles")) {
            System.out.printf(
                    roleColumn + "%8d %6s %10d %9d %12d %8d  %s%n",
                    role.get("name").asText(),
                    role.get("pid").asLong(),
                    role.get("alive").asBoolean() ? "yes" : "NO",
                    role.get("uptimeMs").asLong() / 1000,
                    role.get("restarts").asInt(),
                    role.get("heartbeatAgeMs").asLong(),
                    role.get("mailboxBacklog").asInt(),
                    role.get("lastExit").asText());
        }
        if (running) {
            printGateways(mailbox(status, ServerMailboxes.MONITOR_SUFFIX));
            printGatewayStates(mailbox(status, ServerMailboxes.SERVICES_QUERIES_SUFFIX));
        }
        return running ? ExitCode.OK : ExitCode.FAILURE;
    }

    /** The server's mailbox {@code suffix}, as status.json lists them; else from the options. */
    private Path mailbox(JsonNode status, String suffix) {
        for (JsonNode path : status.path("mailboxes")) {
            if (Path.of(path.asText()).getFileName().toString().equals(suffix)) {
                return Path.of(path.asText());
            }
        }
        return ServerMailboxes.file(mailboxDir, name, suffix);
    }

    /** Asks the monitor itself, through its mailbox, how its gateways are. */
    private void printGateways(Path box) {
        if (!Files.exists(box)) {
            return;
        }
        try (Mailbox mailbox = Mailbox.open(box);
                MailboxClient client = MailboxClient.attachTool(mailbox)) {
            Reply reply =
                    client.call(MailboxOpcodes.MONITOR_STATUS, new byte[0]).get(3, TimeUnit.SECONDS);
            ByteBuffer b = ByteBuffer.wrap(reply.result());
            System.out.printf(
                    "gateways: %d in session, %d connections, %d pending approval, %d unreachable; "
                            + "polls answered %d of %d; throttle sets acknowledged %d of %d; %d thread pair(s)%n",
                    b.getLong(MonitorStatusDescriptor.IN_SESSION_OFFSET),
                    b.getLong(MonitorStatusDescriptor.CONNECTIONS_OFFSET),
                    b.getLong(MonitorStatusDescriptor.PENDING_OFFSET),
                    b.getLong(MonitorStatusDescriptor.UNREACHABLE_OFFSET),
                    b.getLong(MonitorStatusDescriptor.POLLS_ANSWERED_OFFSET),
                    b.getLong(MonitorStatusDescriptor.POLLS_SENT_OFFSET),
                    b.getLong(MonitorStatusDescriptor.THROTTLES_ACKED_OFFSET),
                    b.getLong(MonitorStatusDescriptor.THROTTLES_SENT_OFFSET),
                    b.getLong(MonitorStatusDescriptor.PAIRS_OFFSET));
            long dropped = b.getLong(MonitorStatusDescriptor.REPORTS_DROPPED_OFFSET);
            long lost = b.getLong(MonitorStatusDescriptor.REPORTS_LOST_OFFSET);
            long refused = b.getLong(MonitorStatusDescriptor.REPORTS_REFUSED_OFFSET);
            long overLimit = b.getLong(MonitorStatusDescriptor.VOLUME_LIMIT_REFUSALS_OFFSET);
            System.out.printf(
                    "reports: %d not handed to the SLA services (%d volume records; their mailbox was full), "
                            + "%d lost on the way, %d refused (volumes their gateway did not declare); %d gateways refused for "
                            + "announcing more volumes than monitor.max-volumes-per-gateway%s%n",
                    dropped,
                    b.getLong(MonitorStatusDescriptor.VOLUMES_DROPPED_OFFSET),
                    lost,
                    refused,
                    overLimit,
                    dropped + lost + refused + overLimit > 0 ? "  <- see the monitor's log" : "");
            if (b.capacity() < MonitorStatusDescriptor.LENGTH) {
                return;
            }
            System.out.println(
                    b.getLong(MonitorStatusDescriptor.STANDBY_OFFSET) != 0
                            ? "monitor: standby, " + b.getLong(MonitorStatusDescriptor.STANDBY_REFERRALS_OFFSET)
                                    + " gateway connection(s) sent to the active"
                            : "monitor: active at fencing epoch " + b.getLong(MonitorStatusDescriptor.EPOCH_OFFSET));
            if (b.getLong(MonitorStatusDescriptor.REGISTRY_UNUSABLE_OFFSET) != 0) {
                System.out.println("GATEWAY REGISTRY UNREADABLE: the monitor refuses every gateway until it can read "
                        + "its registry (from the database, or its file)  <- see the monitor's log");
            }
            System.out.printf(
                    "gateway certificates: %d issued (enrollments and renewals), %d requests refused, "
                            + "%d sessions ended at their certificate's expiry%n",
                    b.getLong(MonitorStatusDescriptor.CERTIFICATES_ISSUED_OFFSET),
                    b.getLong(MonitorStatusDescriptor.CERTIFICATES_REFUSED_OFFSET),
                    b.getLong(MonitorStatusDescriptor.CERTIFICATES_EXPIRED_IN_SESSION_OFFSET));
            long waiting = b.getLong(MonitorStatusDescriptor.HANDSHAKES_WAITING_OFFSET);
            System.out.printf(
                    "TLS handshakes: %d in progress, %d connections waiting for their address's share (%d since "
                            + "the start)%s%n",
                    b.getLong(MonitorStatusDescriptor.HANDSHAKES_IN_PROGRESS_OFFSET),
                    waiting,
                    b.getLong(MonitorStatusDescriptor.HANDSHAKES_WAITED_OFFSET),
                    waiting > 0 ? "  <- an address opens connections faster than it finishes their handshakes" : "");
            long writesFailed = b.getLong(MonitorStatusDescriptor.REGISTRY_WRITES_FAILED_OFFSET);
            if (writesFailed > 0) {
                System.out.println("gateway registry: " + writesFailed + " write(s) failed  <- see the monitor's log");
            }
            long sharedRefused = b.getLong(MonitorStatusDescriptor.SHARED_VOLUMES_REFUSED_OFFSET);
            if (sharedRefused > 0) {
                System.out.println(
                        "shared volumes: " + sharedRefused + " refused (announced shared by a gateway not bound to "
                                + "the name: monitor.shared-volumes)  <- see the monitor's log");
            }
        } catch (Exception e) {
            System.out.println("gateways: the monitor did not answer (" + e.getMessage() + ")");
        }
    }

    private static JsonNode ask(MailboxClient client, String request) throws Exception {
        Reply reply = client.call(MailboxOpcodes.SERVICES_JSON, request.getBytes(StandardCharsets.UTF_8))
                .get(3, TimeUnit.SECONDS);
        return new ObjectMapper().readTree(reply.result());
    }

    /** Each gateway's state as the SLA services know it (from the monitor's events and reports). */
    private void printGatewayStates(Path box) {
        if (!Files.exists(box)) {
            return;
        }
        try (Mailbox mailbox = Mailbox.open(box);
                MailboxClient client = MailboxClient.attachTool(mailbox)) {
            JsonNode status = ask(client, "{\"op\":\"status\",\"actor\":\"system:status\"}");
            JsonNode volumes = status.path("volumeState");
            System.out.printf(
                    "volumes: %d tracked of at most %d, %d dropped (vanished or silent), %d refused over the "
                            + "limit%s%n",
                    volumes.path("tracked").asLong(),
                    volumes.path("limit").asLong(),
                    volumes.path("evicted").asLong(),
                    volumes.path("refusedOverLimit").asLong(),
                    volumes.path("refusedOverLimit").asLong() > 0
                            ? "  <- raise services.max-volumes or find the gateway"
                            : "");
            JsonNode throttles = status.path("throttleSets");
            System.out.printf(
                    "throttle sets: %d posted to the monitor, %d acknowledged by gateways, %d kept for gateways "
                            + "away, %d not delivered (sent again), %d waiting%n",
                    throttles.path("posted").asLong(),
                    throttles.path("acked").asLong(),
                    throttles.path("stored").asLong(),
                    throttles.path("failed").asLong(),
                    throttles.path("waiting").asLong()
                            + throttles.path("inFlight").asLong());
            JsonNode items = ask(client, "{\"op\":\"gateways.list\",\"actor\":\"system:status\",\"limit\":200}")
                    .path("items");
            if (items.isEmpty()) {
                return;
            }
            System.out.printf(
                    "%-10s %-24s %-18s %-25s %-14s %s%n", "gateway", "name", "state", "since", "last seen", "volumes");
            long now = System.currentTimeMillis();
            for (JsonNode g : items) {
                System.out.printf(
                        "%-10s %-24s %-18s %-25s %-14s %d%n",
                        g.path("gatewayId").asText(),
                        g.path("name").isTextual() ? g.path("name").asText() : "-",
                        g.path("state").asText(),
                        Instant.ofEpochMilli(g.path("since").asLong()),
                        (now - g.path("lastSeen").asLong()) / 1000 + " s ago",
                        g.path("volumes").size());
            }
        } catch (Exception e) {
            System.out.println("gateways: the SLA services did not answer (" + e.getMessage() + ")");
        }
    }
}
