package io.sluice.db.json;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.POJONode;
import io.sluice.db.store.CallRevokedException;
import io.sluice.mailbox.MailboxStatus;
import io.sluice.protocol.CallStatus;
import java.io.IOException;

/**
 * One DB_JSON call from bytes to bytes: parses the envelope, runs the op, renders the result or the problem, and keeps
 * the answer within the slot: a page that does not fit is asked again with half the items until it does; anything else
 * too big is TOO_LARGE.
 */
public final class JsonCalls {
    private static final System.Logger LOG = System.getLogger(JsonCalls.class.getName());
    private final ObjectMapper mapper = new ObjectMapper();
    private final DbOps ops;
    private final int capacity;

    public JsonCalls(DbOps ops, int capacity) {
        this.ops = ops;
        this.capacity = capacity;
    }

    /** A CallStatus and the JSON to put in the result region. */
    public record Answer(int status, byte[] json) {}

    public Answer call(byte[] request) {
        try {
            ObjectNode envelope = parse(request);
            Args args = new Args(envelope);
            String op = args.string("op");
            String actor = args.string("actor");
            while (true) {
                JsonNode result = ops.run(op, args, actor);
                byte[] bytes = mapper.writeValueAsBytes(result);
                if (bytes.length <= capacity) {
                    return new Answer(CallStatus.OK, bytes);
                }
                int shown = itemCount(result);
                if (!ops.isPaged(op) || shown <= 1) {
                    throw DbProblem.tooLarge("the answer is " + bytes.length + " bytes, a slot holds " + capacity
                            + "; ask for less (limit, a shorter range, fewer volumes)");
                }
                envelope.put("limit", shown / 2);
            }
        } catch (DbProblem problem) {
            return new Answer(problem.status(), Problems.toJson(problem));
        } catch (CallRevokedException revoked) {
            return new Answer(MailboxStatus.CANCELLED, new byte[0]);
        } catch (JsonProcessingException | RuntimeException e) {
            LOG.log(System.Logger.Level.ERROR, "JSON call failed", e);
            return new Answer(CallStatus.INTERNAL, Problems.toJson(DbProblem.internal(e.toString())));
        }
    }

    private ObjectNode parse(byte[] request) {
        JsonNode node;
        try {
            node = mapper.readTree(request);
        } catch (IOException e) {
            throw DbProblem.invalid("", "json", "the request is not JSON: " + firstLine(e.getMessage()));
        }
        if (node == null || !node.isObject()) {
            throw DbProblem.invalid("", "json-object", "the request must be one JSON object");
        }
        return (ObjectNode) node;
    }

    private static int itemCount(JsonNode result) {
        JsonNode list = result.has("points") ? result.get("points") : result.get("items");
        if (list instanceof POJONode pojo && pojo.getPojo() instanceof StreamedPoints points) {
            return points.size();
        }
        return list == null ? 0 : list.size();
    }

    private static String firstLine(String message) {
        if (message == null) {
            return "";
        }
        int newline = message.indexOf('\n');
        return newline < 0 ? message : message.substring(0, newline);
    }
}
