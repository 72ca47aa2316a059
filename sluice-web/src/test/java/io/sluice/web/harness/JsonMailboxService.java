package io.sluice.web.harness;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sluice.mailbox.Mailbox;
import io.sluice.mailbox.MailboxCallee;
import io.sluice.mailbox.MailboxService;
import io.sluice.mailbox.MailboxStatus;
import io.sluice.mailbox.ParamWriter;
import io.sluice.protocol.CallStatus;
import java.io.IOException;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.util.function.Function;

/** A real callee on a real mailbox whose JSON ops are answered by a function (test harness). */
final class JsonMailboxService implements AutoCloseable {
    /** A JSON-CALLS problem raised by a handler. */
    static final class Problem extends RuntimeException {
        final int status;
        final ObjectNode body;

        Problem(int status, ObjectNode body) {
            super(body.toString(), null, false, false);
            this.status = status;
            this.body = body;
        }
    }

    private final Mailbox mailbox;
    private final MailboxService service;

    JsonMailboxService(Mailbox mailbox, int opcode, ObjectMapper json, Function<JsonNode, JsonNode> ops, String name) {
        this.mailbox = mailbox;
        MailboxCallee callee = MailboxCallee.attach(mailbox);
        this.service = new MailboxService(
                        callee,
                        request -> {
                            if (request.opcode() != opcode) {
                                request.reply(MailboxStatus.UNKNOWN_OPCODE, ParamWriter.EMPTY);
                                return;
                            }
                            byte[] in = request.params()
                                    .asSlice(0, request.length())
                                    .toArray(ValueLayout.JAVA_BYTE);
                            int status;
                            byte[] out;
                            try {
                                JsonNode req = json.readTree(in);
                                out = json.writeValueAsBytes(ops.apply(req));
                                status = CallStatus.OK;
                            } catch (Problem p) {
                                status = p.status;
                                out = p.body.toString().getBytes(StandardCharsets.UTF_8);
                            } catch (IOException e) {
                                status = CallStatus.INVALID;
                                out = ("{\"type\":\"invalid\",\"title\":\"malformed request\"}")
                                        .getBytes(StandardCharsets.UTF_8);
                            }
                            if (out.length > request.params().byteSize()) {
                                // As the contract asks of a callee: say TOO_LARGE rather than fail writing the slot.
                                status = CallStatus.TOO_LARGE;
                                out =
                                        "{\"type\":\"too-large\",\"title\":\"the result does not fit a slot; ask for less\"}"
                                                .getBytes(StandardCharsets.UTF_8);
                            }
                            request.reply(status, ParamWriter.of(out));
                        },
                        0,
                        name)
                .start();
    }

    @Override
    public void close() {
        service.close();
        mailbox.close();
    }
}
