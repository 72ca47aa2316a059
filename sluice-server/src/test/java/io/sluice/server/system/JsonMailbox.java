package io.sluice.server.system;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sluice.mailbox.Mailbox;
import io.sluice.mailbox.MailboxClient;
import io.sluice.mailbox.Reply;
import io.sluice.protocol.CallStatus;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/** JSON calls (JSON-CALLS.md) to one server mailbox, as the tools caller. */
final class JsonMailbox implements AutoCloseable {
    static final ObjectMapper JSON = new ObjectMapper();

    record Result(int status, JsonNode body) {
        boolean ok() {
            return status == CallStatus.OK;
        }
    }

    private final Mailbox mailbox;
    private final MailboxClient client;
    private final int opcode;

    JsonMailbox(Path file, int opcode) {
        this.mailbox = Mailbox.open(file);
        this.client = MailboxClient.attachTool(mailbox);
        this.opcode = opcode;
    }

    static ObjectNode request(String op) {
        return JSON.createObjectNode().put("op", op).put("actor", "system:test");
    }

    Result call(ObjectNode request, long timeoutSeconds) throws Exception {
        Reply reply = client.call(opcode, JSON.writeValueAsBytes(request)).get(timeoutSeconds, TimeUnit.SECONDS);
        String body = new String(reply.result(), StandardCharsets.UTF_8);
        return new Result(reply.status(), body.isEmpty() ? JSON.createObjectNode() : JSON.readTree(body));
    }

    @Override
    public void close() {
        client.close();
        mailbox.close();
    }
}
