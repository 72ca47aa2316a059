package io.sluice.db.json;

import com.fasterxml.jackson.databind.JsonNode;
import java.sql.SQLException;

/** One JSON op: its arguments and the envelope's actor in, its result object out (or a {@link DbProblem}). */
@FunctionalInterface
interface Op {
    JsonNode run(Args args, String actor) throws SQLException;
}
