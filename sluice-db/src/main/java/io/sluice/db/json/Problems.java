package io.sluice.db.json;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sluice.protocol.CallStatus;
import java.nio.charset.StandardCharsets;

/** Renders a {@link DbProblem} as the problem JSON of JSON-CALLS.md. */
public final class Problems {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private Problems() {}

    public static byte[] toJson(DbProblem problem) {
        ObjectNode node = MAPPER.createObjectNode();
        node.put("type", CallStatus.name(problem.status()));
        node.put("title", problem.title());
        node.put("detail", problem.getMessage());
        if (problem.field() != null) {
            node.put("field", problem.field());
        }
        if (problem.rule() != null) {
            node.put("rule", problem.rule());
        }
        if (problem.currentVersion() != null) {
            node.put("currentVersion", problem.currentVersion());
        }
        if (!problem.volumeIds().isEmpty()) {
            problem.volumeIds().forEach(node.putArray("volumeIds")::add);
        }
        return node.toString().getBytes(StandardCharsets.UTF_8);
    }
}
