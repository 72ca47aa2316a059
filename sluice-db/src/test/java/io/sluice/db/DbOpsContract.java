package io.sluice.db;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sluice.common.ManualEpochClock;
import io.sluice.db.ingest.IngestionStatus;
import io.sluice.db.json.DbOps;
import io.sluice.db.json.JsonCalls;
import io.sluice.db.store.Database;
import io.sluice.db.store.KnownVolumes;
import io.sluice.protocol.CallStatus;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * A database of one engine (a subclass per engine says which) opened once for a contract's tests, with the JSON ops the
 * roles call on it: requests written with single quotes, answers read back as JSON. Connections for {@link #RACERS}
 * racing callers.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class DbOpsContract {
    static final long T0 = 1_790_000_000_000L;
    static final ObjectMapper MAPPER = new ObjectMapper();
    static final int RACERS = 8;

    @TempDir
    static Path dir;

    TestDatabase testDatabase;
    Database database;
    JsonCalls calls;

    abstract TestDatabase create(Path dir) throws Exception;

    @BeforeAll
    void open() throws Exception {
        testDatabase = create(dir);
        database = Database.open(testDatabase.url(), testDatabase.user(), testDatabase.password(), RACERS, 60_000);
        DbOps ops = new DbOps(
                database,
                new ManualEpochClock(T0),
                () -> new IngestionStatus(false, 0, 0, 0, null),
                new KnownVolumes());
        calls = new JsonCalls(ops, 256 * 1024);
    }

    @AfterAll
    void close() throws Exception {
        database.close();
        testDatabase.close();
    }

    JsonNode ok(String json) throws Exception {
        JsonCalls.Answer answer = calls.call(json.replace('\'', '"').getBytes(StandardCharsets.UTF_8));
        assertThat(answer.status())
                .as(new String(answer.json(), StandardCharsets.UTF_8))
                .isEqualTo(CallStatus.OK);
        return MAPPER.readTree(answer.json());
    }

    int status(String json) {
        return calls.call(json.replace('\'', '"').getBytes(StandardCharsets.UTF_8))
                .status();
    }
}
