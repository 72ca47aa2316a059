package io.sluice.db.json;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sluice.common.EpochClock;
import io.sluice.db.ingest.IngestionStatus;
import io.sluice.db.store.Database;
import io.sluice.db.store.JdbcUrls;
import io.sluice.db.store.KnownVolumes;
import io.sluice.db.store.OpenSeconds;
import io.sluice.db.store.SqlStates;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

/**
 * The operations of JSON-CALLS.md's database manager table, by name: each parses its arguments, runs one transaction
 * (with the audit record of a change inside it) and returns its result object. Problems are thrown as
 * {@link DbProblem}. Safe to call from many threads: all state is in the database.
 */
public final class DbOps {
    /** Ops whose answer is a page, which {@link JsonCalls} may shrink until it fits the slot. */
    private static final Set<String> PAGED = Set.of(
            "sla.list",
            "policy.list",
            "group.list",
            "samples.range",
            "alert.list",
            "audit.list",
            "backend.history",
            "volume.list");

    private final ObjectMapper mapper = new ObjectMapper();
    private final Database database;
    private final Supplier<IngestionStatus> ingestion;
    private final Map<String, Op> ops = new HashMap<>();

    public DbOps(Database database, EpochClock clock, Supplier<IngestionStatus> ingestion, KnownVolumes knownVolumes) {
        this(database, clock, ingestion, knownVolumes, null);
    }

    /** With {@code open} (the minute-rows layout), 1 s reads merge the samples held in memory. */
    public DbOps(
            Database database,
            EpochClock clock,
            Supplier<IngestionStatus> ingestion,
            KnownVolumes knownVolumes,
            OpenSeconds open) {
        this.database = database;
        this.ingestion = ingestion;
        for (OpGroup group : List.of(
                new DocOps(database, clock),
                new RegistryOps(database, clock, knownVolumes),
                new SampleOps(database, clock, open),
                new ComplianceOps(database, clock),
                new AlertOps(database, clock),
                new AccountOps(database, clock),
                new GatewayAdmissionOps(database, clock),
                new ThrottleOps(database, clock),
                new ThrottleSetOps(database, clock),
                new VolumeIdentityOps(database, clock))) {
            group.register(ops);
        }
        ops.put("status", (a, actor) -> status());
    }

    boolean isPaged(String op) {
        return PAGED.contains(op);
    }

    /** Runs {@code op}; throws {@link DbProblem} for anything but success. */
    public JsonNode run(String op, Args args, String actor) {
        Op handler = ops.get(op);
        if (handler == null) {
            throw DbProblem.unknownOp("no op " + op + " at the database manager");
        }
        try {
            return handler.run(args, actor);
        } catch (SQLException e) {
            if (SqlStates.isConnectionFailure(e)) {
                throw DbProblem.unavailable("database unavailable: " + e.getMessage());
            }
            throw DbProblem.internal(e.getClass().getSimpleName() + ": " + e.getMessage());
        }
    }

    /** Needs no database: it says how the database and the ingestion path are. */
    public ObjectNode status() {
        IngestionStatus s = ingestion.get();
        ObjectNode node = mapper.createObjectNode();
        node.put("engine", database.engine().label());
        // A URL may carry credentials as a parameter; status is readable by every caller.
        node.put("url", JdbcUrls.redact(database.url()));
        node.put("degraded", s.degraded());
        node.put("bufferedSamples", s.bufferedSamples());
        node.put("journaledSamples", s.journaledSamples());
        node.put("storedSamples", s.storedSamples());
        node.put("lastError", s.lastError());
        return node;
    }
}
