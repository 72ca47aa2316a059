package io.sluice.web.harness;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sluice.mailbox.Mailbox;
import io.sluice.mailbox.MailboxClient;
import io.sluice.mailbox.Reply;
import io.sluice.mailbox.ServerMailboxes;
import io.sluice.protocol.MailboxOpcodes;
import java.util.concurrent.TimeUnit;

/**
 * Puts test data in through the database manager's mailbox, as a tool would (caller index TOOLS), so the same seeding
 * works against the in-memory backend and the real database manager.
 */
public final class Seeder implements AutoCloseable {
    private final ObjectMapper json = new ObjectMapper();
    private final Mailbox mailbox;
    private final MailboxClient client;

    public Seeder(Backend backend) {
        mailbox = Mailbox.open(
                ServerMailboxes.file(backend.mailboxDir(), backend.serverName(), ServerMailboxes.DB_SUFFIX));
        client = MailboxClient.attach(mailbox, ServerMailboxes.CALLER_TOOLS);
    }

    public ObjectNode args() {
        return json.createObjectNode();
    }

    public JsonNode db(String op, ObjectNode args) {
        ObjectNode request = json.createObjectNode().put("op", op).put("actor", "system:test");
        request.setAll(args);
        try {
            Reply reply = client.call(MailboxOpcodes.DB_JSON, json.writeValueAsBytes(request))
                    .get(10, TimeUnit.SECONDS);
            JsonNode body = json.readTree(reply.result());
            if (reply.status() != 0) {
                throw new AssertionError(op + " failed: " + reply.status() + " " + body);
            }
            return body;
        } catch (Exception e) {
            throw new AssertionError("seeding " + op + " failed", e);
        }
    }

    public JsonNode volume(long volumeId, long gatewayId) {
        return db(
                "volume.upsert",
                args().put("volumeId", volumeId)
                        .put("gatewayId", gatewayId)
                        .put("backendId", "b1")
                        .put("allocatedBytes", 1L << 40)
                        .put("usedBytes", 1L << 39));
    }

    /** A volume exported as {@code exportName}, which the database manager names "gateway name/export name". */
    public JsonNode volume(long volumeId, long gatewayId, String exportName) {
        return db(
                "volume.upsert",
                args().put("volumeId", volumeId)
                        .put("gatewayId", gatewayId)
                        .put("backendId", "b1")
                        .put("allocatedBytes", 1L << 40)
                        .put("usedBytes", 1L << 39)
                        .put("exportName", exportName));
    }

    /** A gateway that calls itself {@code name}. */
    public JsonNode gateway(long gatewayId, String state, String name) {
        return db(
                "gateway.upsert",
                args().put("gatewayId", gatewayId)
                        .put("state", state)
                        .put("address", "127.0.0.1:1")
                        .put("name", name));
    }

    public JsonNode gateway(long gatewayId, String state) {
        return db(
                "gateway.upsert",
                args().put("gatewayId", gatewayId).put("state", state).put("address", "127.0.0.1:1"));
    }

    public JsonNode alert(String key, String severity, String message) {
        return db(
                "alert.upsert",
                args().put("key", key)
                        .put("severity", severity)
                        .put("message", message)
                        .put("state", "OPEN")
                        .put("at", System.currentTimeMillis()));
    }

    @Override
    public void close() {
        client.close();
        mailbox.close();
    }
}
