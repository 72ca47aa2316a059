package io.sluice.server.demo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sluice.mailbox.Mailbox;
import io.sluice.mailbox.MailboxClient;
import io.sluice.mailbox.Reply;
import io.sluice.protocol.CallStatus;
import io.sluice.protocol.MailboxOpcodes;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/** One line about the demo's volumes for its terminal (see {@link DemoSummary}), from the SLA services' live view. */
public final class DemoReporter implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Items per call: a page of the live view must fit a slot of the query mailbox (as the web server asks). */
    private static final int PAGE = 500;

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
            DemoSummary summary = new DemoSummary();
            String after = null;
            do {
                ObjectNode request = JSON.createObjectNode()
                        .put("op", "live.volumes")
                        .put("actor", "system:demo")
                        .put("limit", PAGE);
                if (after != null) {
                    request.put("after", after);
                }
                Reply reply = services.call(MailboxOpcodes.SERVICES_JSON, JSON.writeValueAsBytes(request))
                        .get(2, TimeUnit.SECONDS);
                if (reply.status() != CallStatus.OK) {
                    return "services: " + CallStatus.name(reply.status());
                }
                JsonNode page = JSON.readTree(reply.result());
                page.path("items").forEach(summary::add);
                after = page.path("next").isTextual() ? page.path("next").asText() : null;
            } while (after != null);
            return summary.line();
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
