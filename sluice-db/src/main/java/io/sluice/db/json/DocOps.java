package io.sluice.db.json;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sluice.common.EpochClock;
import io.sluice.db.store.Database;
import io.sluice.db.store.DocRepository;
import io.sluice.db.store.VersionConflictException;
import io.sluice.db.store.VersionedDoc;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** {@code sla.*}, {@code policy.*}, {@code group.*}: versioned documents with optimistic edits, history and audit. */
final class DocOps extends OpGroup {
    private final DocRepository docs = new DocRepository();

    DocOps(Database database, EpochClock clock) {
        super(database, clock);
    }

    @Override
    void register(Map<String, Op> ops) {
        for (String kind : List.of("sla", "policy", "group")) {
            ops.put(kind + ".list", (a, actor) -> listDocs(kind, a));
            ops.put(kind + ".get", (a, actor) -> getDoc(kind, a));
            ops.put(kind + ".put", (a, actor) -> putDoc(kind, a, actor, false));
            ops.put(kind + ".delete", (a, actor) -> putDoc(kind, a, actor, true));
            ops.put(kind + ".history", (a, actor) -> history(kind, a));
        }
    }

    private JsonNode listDocs(String kind, Args a) throws SQLException {
        int limit = a.limit(100, 1000);
        String after = a.has("after") ? a.node().get("after").asText() : null;
        List<VersionedDoc> page = tx(c -> docs.list(c, kind, after, limit, a.bool("includeDeleted", false)));
        ObjectNode result = items(docNodes(page));
        result.put("next", page.size() == limit ? page.getLast().name() : null);
        return result;
    }

    private JsonNode getDoc(String kind, Args a) throws SQLException {
        String name = a.string("name");
        return docNode(tx(c -> docs.get(c, kind, name)).orElseThrow(() -> DbProblem.notFound(kind + " " + name)));
    }

    private JsonNode putDoc(String kind, Args a, String actor, boolean delete) throws SQLException {
        String name = a.string("name");
        int expected = a.intValue("expectedVersion");
        if (expected < 0 || (delete && expected == 0)) {
            throw DbProblem.invalid("expectedVersion", "range", "expectedVersion must be the current version");
        }
        String spec;
        if (delete) {
            spec = null;
        } else {
            ObjectNode specNode = a.object("spec");
            JsonNode specName = specNode.get("name");
            if (specName == null || !specName.isTextual() || !specName.asText().equals(name)) {
                throw DbProblem.invalid("spec.name", "matches-name", "spec.name must be present and equal name");
            }
            spec = specNode.toString();
        }
        long now = clock.epochMillis();
        try {
            VersionedDoc doc = database.inTransaction(c -> {
                try {
                    String body = spec;
                    if (body == null) {
                        Optional<VersionedDoc> current = docs.get(c, kind, name);
                        if (current.isEmpty()) {
                            throw DbProblem.notFound(kind + " " + name);
                        }
                        body = current.get().spec();
                    }
                    VersionedDoc written = docs.put(c, kind, name, expected, body, delete, now, actor);
                    audit.append(
                            c,
                            now,
                            actor,
                            kind + (delete ? ".delete" : ".put"),
                            kind + ":" + name,
                            "{\"version\":" + written.version() + "}");
                    return written;
                } catch (VersionConflictException e) {
                    throw new ConflictSignal(e);
                }
            });
            return docNode(doc);
        } catch (ConflictSignal signal) {
            throw DbProblem.conflict(signal.conflict.getMessage(), signal.conflict.currentVersion());
        }
    }

    private JsonNode history(String kind, Args a) throws SQLException {
        String name = a.string("name");
        List<VersionedDoc> versions = tx(c -> docs.history(c, kind, name));
        if (versions.isEmpty()) {
            throw DbProblem.notFound(kind + " " + name);
        }
        return items(docNodes(versions));
    }

    private List<ObjectNode> docNodes(List<VersionedDoc> list) {
        List<ObjectNode> nodes = new ArrayList<>(list.size());
        for (VersionedDoc doc : list) {
            nodes.add(docNode(doc));
        }
        return nodes;
    }

    private ObjectNode docNode(VersionedDoc doc) {
        ObjectNode node = mapper.createObjectNode();
        node.put("name", doc.name());
        node.put("version", doc.version());
        node.set("spec", parse(doc.spec()));
        node.put("deleted", doc.deleted());
        node.put("updatedAt", doc.updatedAt());
        node.put("updatedBy", doc.updatedBy());
        return node;
    }

    /** Carries a version conflict out of a transaction (which rolls back) to be answered as CONFLICT. */
    private static final class ConflictSignal extends RuntimeException {
        final VersionConflictException conflict;

        ConflictSignal(VersionConflictException conflict) {
            super(conflict.getMessage(), null, false, false);
            this.conflict = conflict;
        }
    }
}
