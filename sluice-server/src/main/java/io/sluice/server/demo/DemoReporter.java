package io.sluice.server.demo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sluice.mailbox.Mailbox;
import io.sluice.mailbox.MailboxClient;
import io.sluice.mailbox.Reply;
import io.sluice.mailbox.ServerMailboxes;
import io.sluice.protocol.CallStatus;
import io.sluice.protocol.MailboxOpcodes;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/** One line about gold and bronze for the demo's terminal, from the SLA services' live view. */
public final class DemoReporter implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final byte[] LIVE_VOLUMES = "{\"op\":\"live.volumes\",\"actor\":\"system:demo\"}".getBytes();

    private final Path mailboxFile;
    private Mailbox mailbox;
    private MailboxClient services;

    public DemoReporter(Path servicesQueries) {
        this.mailboxFile = servicesQueries;
    }

    public String line() {
        try {
            if (services == null) {
                mailbox = Mailbox.open(mailboxFile);
                services = MailboxClient.attachTool(mailbox);
            }
            Reply reply = services.call(MailboxOpcodes.SERVICES_JSON, LIVE_VOLUMES).get(2, TimeUnit.SECONDS);
            if (reply.status() != CallStatus.OK) {
                return "services: " + CallStatus.name(reply.status());
            }
            StringBuilder line = new StringBuilder();
            for (JsonNode v : JSON.readTree(reply.result()).path("items")) {
                String sla = v.path("sla").asText("-");
                line.append(String.format("%s %,d IOPS p99 %.1f ms%s limit %s %s   ", sla, v.path("iops").asLong(),
                        v.path("latencyP99Micros").asLong() / 1000.0,
                        v.path("latencyTargetMicros").asLong() > 0
                                ? String.format(" (objective %.0f ms)", v.path("latencyTargetMicros").asLong() / 1000.0) : "",
                        v.path("iopsLimit").asLong() > 0 ? String.format("%,d", v.path("iopsLimit").asLong()) : "none",
                        v.path("state").asText()));
            }
            return line.isEmpty() ? "waiting for the first statistics" : line.toString().strip();
        } catch (Exception e) {
            return "services not answering yet (" + e.getClass().getSimpleName() + ")";
        }
    }

    @Override
    public void close() {
        if (services != null) {
            services.close();
            mailbox.close();
        }
    }
}
