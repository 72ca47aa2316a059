package io.sluice.monitor;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sluice.common.EpochClock;
import io.sluice.mailbox.Mailbox;
import io.sluice.mailbox.MailboxCallee;
import io.sluice.mailbox.MailboxService;
import io.sluice.mailbox.MailboxStatus;
import io.sluice.mailbox.ParamWriter;
import io.sluice.mailbox.ServerMailboxes;
import io.sluice.protocol.CallStatus;
import io.sluice.protocol.MailboxOpcodes;
import io.sluice.testkit.ShmNames;
import java.io.IOException;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A database manager for the monitor's tests: the {@code admission.*} ops of sluice-db's GatewayAdmissionOps and the
 * {@code volumeid.*} ops of its VolumeIdentityOps kept in maps, served as DB_JSON calls on a mailbox of the database
 * manager's shape. It can answer, answer UNAVAILABLE (as the real one does while its database is away), or not answer
 * at all (a database manager that is gone). The real manager's ops are tested on both engines in sluice-db
 * (GatewayAdmissionContract); the end-to-end run is in sluice-server (RegistryInDatabaseTest).
 */
final class FakeAdmissionDb implements AutoCloseable {
    enum Mode {
        ANSWER,
        UNAVAILABLE,
        SILENT
    }

    private final ObjectMapper mapper = new ObjectMapper();
    final Path file = ShmNames.file("registry-db");
    final Map<Long, String> standings = new ConcurrentHashMap<>();
    /** Token hash to used. */
    final Map<String, Boolean> tokens = new ConcurrentHashMap<>();
    /** "name gatewayId" to bound. */
    final Map<String, Boolean> bindings = new ConcurrentHashMap<>();
    /** "owner name" to volume id (volumeid.*). */
    final Map<String, Integer> volumeIds = new ConcurrentHashMap<>();
    /** The ops carried out, in order. */
    final List<String> ops = new CopyOnWriteArrayList<>();

    volatile Mode mode = Mode.ANSWER;
    private final Mailbox mailbox;
    private final MailboxService service;

    FakeAdmissionDb() {
        mailbox = Mailbox.openOrCreate(file, ServerMailboxes.DB, EpochClock.system());
        service = new MailboxService(MailboxCallee.attach(mailbox), this::serve, 0, "fake-db").start();
    }

    RegistryDatabase settings(long timeoutMillis) {
        return new RegistryDatabase(file, ServerMailboxes.CALLER_MONITOR, timeoutMillis);
    }

    private void serve(MailboxCallee.Request request) {
        if (request.opcode() != MailboxOpcodes.DB_JSON) {
            request.reply(MailboxStatus.UNKNOWN_OPCODE, 0);
            return;
        }
        switch (mode) {
            case SILENT -> {
                request.defer();
                return;
            }
            case UNAVAILABLE -> {
                request.reply(CallStatus.UNAVAILABLE, ParamWriter.of("{\"type\":\"UNAVAILABLE\"}".getBytes()));
                return;
            }
            default -> {}
        }
        try {
            JsonNode call = mapper.readTree(
                    request.params().asSlice(0, request.length()).toArray(ValueLayout.JAVA_BYTE));
            ObjectNode answer = answer(call);
            ops.add(call.path("op").asText());
            request.reply(CallStatus.OK, ParamWriter.of(mapper.writeValueAsBytes(answer)));
        } catch (IOException | RuntimeException e) {
            request.reply(CallStatus.INVALID, ParamWriter.of(("{\"detail\":\"" + e + "\"}").getBytes()));
        }
    }

    private ObjectNode answer(JsonNode call) {
        ObjectNode answer = mapper.createObjectNode();
        switch (call.path("op").asText()) {
            case "admission.standings" -> {
                standings.forEach(
                        (id, standing) -> answer.withArray(standing.equals("REVOKED") ? "revoked" : "approved")
                                .add(id));
                answer.withArray("approved");
                answer.withArray("revoked");
                answer.putNull("next");
            }
            case "admission.bindings" -> {
                bindings.forEach((key, bound) -> answer.withArray("items")
                        .addObject()
                        .put("name", key.split(" ")[0])
                        .put("gatewayId", Long.parseLong(key.split(" ")[1]))
                        .put("bound", bound));
                answer.withArray("items");
                answer.putNull("next");
            }
            case "admission.standing.set" ->
                standings.put(
                        call.path("gatewayId").asLong(), call.path("standing").asText());
            case "admission.binding.set" ->
                bindings.put(
                        call.path("name").asText() + " "
                                + call.path("gatewayId").asLong(),
                        call.path("bound").asBoolean());
            case "admission.token.add" -> {
                tokens.putIfAbsent(call.path("tokenHash").asText(), false);
                answer.put("added", !tokens.get(call.path("tokenHash").asText()));
            }
            case "admission.token.use" -> {
                long id = call.path("gatewayId").asLong();
                String hash = call.path("tokenHash").asText();
                if ("REVOKED".equals(standings.get(id))) {
                    answer.put("outcome", "REVOKED");
                } else if (tokens.replace(hash, false, true)) {
                    standings.put(id, "APPROVED");
                    answer.put("outcome", "USED");
                } else {
                    answer.put("outcome", "BAD_TOKEN");
                }
            }
            case "admission.import" -> {
                call.path("revoked").forEach(id -> standings.put(id.asLong(), "REVOKED"));
                call.path("approved").forEach(id -> standings.putIfAbsent(id.asLong(), "APPROVED"));
                call.path("used").forEach(hash -> tokens.put(hash.asText(), true));
                call.path("tokens").forEach(hash -> tokens.putIfAbsent(hash.asText(), false));
                call.path("unbound")
                        .forEach(b -> bindings.put(
                                b.path("name").asText() + " "
                                        + b.path("gatewayId").asLong(),
                                false));
                call.path("bound")
                        .forEach(b -> bindings.putIfAbsent(
                                b.path("name").asText() + " "
                                        + b.path("gatewayId").asLong(),
                                true));
            }
            case "volumeid.list" -> {
                ArrayNode items = answer.putArray("items");
                volumeIds.entrySet().stream()
                        .sorted(Map.Entry.comparingByValue())
                        .forEach(e -> items.addObject()
                                .put("volumeId", e.getValue())
                                .put("owner", e.getKey().substring(0, e.getKey().indexOf(' ')))
                                .put("name", e.getKey().substring(e.getKey().indexOf(' ') + 1)));
                answer.putNull("next");
            }
            case "volumeid.assign" -> assignVolumeIds(call, answer);
            case "volumeid.import" ->
                call.path("items").forEach(i -> {
                    String key = i.path("owner").asText() + " " + i.path("name").asText();
                    if (!volumeIds.containsValue(i.path("volumeId").asInt())) {
                        volumeIds.putIfAbsent(key, i.path("volumeId").asInt());
                    }
                });
            default ->
                throw new IllegalArgumentException("no op " + call.path("op").asText());
        }
        return answer;
    }

    /** As VolumeIdentityOps: kept ids, free proposals, else the next above every id; capped frames get none. */
    private void assignVolumeIds(JsonNode call, ObjectNode answer) {
        String gateway = Long.toString(call.path("gatewayId").asLong());
        List<String> keys = new ArrayList<>();
        call.path("items")
                .forEach(i -> keys.add((i.path("shared").asBoolean() ? "*" : gateway) + " "
                        + i.path("name").asText()));
        long newOwn = keys.stream()
                .distinct()
                .filter(k -> !volumeIds.containsKey(k) && k.startsWith(gateway + " "))
                .count();
        long newInAll =
                keys.stream().distinct().filter(k -> !volumeIds.containsKey(k)).count();
        long own = volumeIds.keySet().stream()
                .filter(k -> k.startsWith(gateway + " "))
                .count();
        if (newInAll > 0
                && (own + newOwn > call.path("maxPerGateway").asLong()
                        || volumeIds.size() + newInAll > call.path("maxInAll").asLong())) {
            answer.put("capped", true).putNull("ids");
            return;
        }
        ArrayNode ids = answer.put("capped", false).putArray("ids");
        for (int i = 0; i < keys.size(); i++) {
            int proposed = call.path("items").path(i).path("proposed").asInt();
            int id = volumeIds.computeIfAbsent(
                    keys.get(i),
                    k -> proposed > 0 && !volumeIds.containsValue(proposed)
                            ? proposed
                            : volumeIds.values().stream()
                                            .mapToInt(Integer::intValue)
                                            .max()
                                            .orElse(0)
                                    + 1);
            ids.add(id);
        }
    }

    @Override
    public void close() throws IOException {
        service.close();
        mailbox.close();
        Files.deleteIfExists(file);
    }
}
