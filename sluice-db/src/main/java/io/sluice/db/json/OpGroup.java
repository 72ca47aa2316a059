package io.sluice.db.json;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sluice.common.EpochClock;
import io.sluice.db.store.AuditRepository;
import io.sluice.db.store.Database;
import io.sluice.db.store.SqlWork;
import java.sql.SQLException;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * A family of JSON ops and what they share: the database, the clock, the audit log (a changing op writes its audit
 * record in its own transaction) and the JSON helpers.
 */
abstract class OpGroup {
    final ObjectMapper mapper = new ObjectMapper();
    final Database database;
    final EpochClock clock;
    final AuditRepository audit = new AuditRepository();

    OpGroup(Database database, EpochClock clock) {
        this.database = database;
        this.clock = clock;
    }

    /** Adds this family's ops by name. */
    abstract void register(Map<String, Op> ops);

    <T> T tx(SqlWork<T> work) throws SQLException {
        return database.inTransaction(work);
    }

    ObjectNode items(List<? extends JsonNode> list) {
        ObjectNode result = mapper.createObjectNode();
        result.putArray("items").addAll(list);
        return result;
    }

    /**
     * A page's {@code next}: after a full page of {@code limit}, the cursor {@code next} gives (the call after it
     * starts there); after a short one, null, the last page.
     */
    static ObjectNode putNext(ObjectNode result, List<?> page, int limit, LongSupplier next) {
        return page.size() == limit ? result.put("next", next.getAsLong()) : result.putNull("next");
    }

    static JsonNode found(ObjectNode node, String what) {
        if (node == null) {
            throw DbProblem.notFound("no such " + what);
        }
        return node;
    }

    JsonNode parse(String json) {
        try {
            return mapper.readTree(json);
        } catch (JsonProcessingException e) {
            throw DbProblem.internal("stored JSON does not parse: " + e.getOriginalMessage());
        }
    }
}
