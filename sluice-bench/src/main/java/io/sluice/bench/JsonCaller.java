package io.sluice.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sluice.mailbox.Mailbox;
import io.sluice.mailbox.MailboxClient;
import io.sluice.mailbox.Reply;
import io.sluice.protocol.CallStatus;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * JSON calls (sluice-protocol/JSON-CALLS.md) to one of the server's mailboxes, as a tool caller (the first free caller
 * index from {@code CALLER_TOOLS}); also raw calls such as MONITOR_STATUS. Any thread.
 */
public final class JsonCaller implements AutoCloseable {
    public static final ObjectMapper JSON = new ObjectMapper();

    /** A finished JSON call: its CallStatus and its body (the result, or the problem). */
    public record Result(int status, JsonNode body) {
        public boolean ok() {
            return status == CallStatus.OK;
        }
    }

    private final Mailbox mailbox;
    private final MailboxClient client;
    private final int opcode;

    public JsonCaller(Path file, int opcode) {
        this.mailbox = Mailbox.open(file);
        try {
            this.client = MailboxClient.attachTool(mailbox);
        } catch (RuntimeException e) {
            mailbox.close();
            throw e;
        }
        this.opcode = opcode;
    }

    public static ObjectNode request(String op) {
        return JSON.createObjectNode().put("op", op).put("actor", "system:bench");
    }

    /** Posts the call; the future completes with its result (or fails when it could not be posted). */
    public CompletableFuture<Result> post(ObjectNode request) {
        byte[] bytes;
        try {
            bytes = JSON.writeValueAsBytes(request);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return client.call(opcode, bytes).thenApply(JsonCaller::parse);
    }

    public Result call(ObjectNode request, long timeoutSeconds) throws Exception {
        return post(request).get(timeoutSeconds, TimeUnit.SECONDS);
    }

    /** The body of an OK answer; an IOException naming the op and the problem otherwise. */
    public JsonNode ok(ObjectNode request, long timeoutSeconds) throws Exception {
        Result result = call(request, timeoutSeconds);
        if (!result.ok()) {
            throw new IOException(
                    request.path("op").asText() + ": " + CallStatus.name(result.status()) + " " + result.body());
        }
        return result.body();
    }

    /** A call with raw bytes (e.g. MONITOR_STATUS with none), its raw result. */
    public Reply raw(int rawOpcode, byte[] params, long timeoutSeconds) throws Exception {
        return client.call(rawOpcode, params).get(timeoutSeconds, TimeUnit.SECONDS);
    }

    private static Result parse(Reply reply) {
        String body = new String(reply.result(), StandardCharsets.UTF_8);
        try {
            return new Result(reply.status(), body.isEmpty() ? JSON.createObjectNode() : JSON.readTree(body));
        } catch (IOException e) {
            throw new UncheckedIOException("not JSON: " + body, e);
        }
    }

    @Override
    public void close() {
        client.close();
        mailbox.close();
    }
}
