package io.sluice.monitor;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sluice.common.EpochClock;
import io.sluice.mailbox.Mailbox;
import io.sluice.mailbox.MailboxClient;
import io.sluice.mailbox.MailboxException;
import io.sluice.mailbox.MailboxStatus;
import io.sluice.mailbox.Reply;
import io.sluice.mailbox.ServerMailboxes;
import io.sluice.mailbox.SlotFlags;
import io.sluice.protocol.CallStatus;
import io.sluice.protocol.MailboxOpcodes;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The monitor's calls on the database manager for its gateway registry: {@code admission.*} JSON ops in
 * {@link MailboxOpcodes#DB_JSON} calls on the database manager's mailbox, under the monitor's own caller index. Each
 * call waits for its answer at most {@link RegistryDatabase#callTimeoutMillis()}; a call not answered in time is
 * revoked (the database manager does not carry out a call revoked before its transaction commits), and none is made
 * while no live database manager is attached to the mailbox. The mailbox is opened (or created) once, at start: a
 * database manager replacing the file is not followed. Safe from any thread.
 */
final class AdmissionLink implements AutoCloseable {
    static final String ACTOR = "system:monitor";
    /** Entries of one kind in one import call (the database manager takes at most 1,000). */
    static final int IMPORT_CHUNK = 1_000;
    /** How much longer a revoked call the database manager had taken is awaited for its final word. */
    static final long REVOKE_GRACE_MILLIS = 2_000;

    /** The database manager could not be asked or did not answer: the database is unreachable for now. */
    static final class UnavailableException extends Exception {
        UnavailableException(String message) {
            super(message);
        }
    }

    /** What the database holds of the registry. */
    record Contents(Map<Long, GatewayRegistry.Standing> standings, Map<GatewayRegistry.Binding, Boolean> bindings) {}

    /** What a token's use came to at the database. */
    enum TokenUse {
        USED,
        BAD_TOKEN,
        REVOKED
    }

    private final ObjectMapper mapper = new ObjectMapper();
    private final RegistryDatabase settings;
    private final Mailbox mailbox;
    private final MailboxClient client;

    AdmissionLink(RegistryDatabase settings, EpochClock clock) {
        this.settings = settings;
        this.mailbox = Mailbox.openOrCreate(settings.mailbox(), ServerMailboxes.DB, clock);
        // Replies to calls a predecessor left are let go: nobody waits for them any more.
        this.client = MailboxClient.resume(mailbox, settings.callerIndex(), "monitor-registry-db", reply -> {});
    }

    /** Every standing and binding on record, page by page. */
    Contents load() throws UnavailableException {
        Map<Long, GatewayRegistry.Standing> standings = new HashMap<>();
        long after = 0;
        while (true) {
            JsonNode page = call(request("admission.standings").put("after", after));
            page.path("approved").forEach(id -> standings.put(id.asLong(), GatewayRegistry.Standing.APPROVED));
            page.path("revoked").forEach(id -> standings.put(id.asLong(), GatewayRegistry.Standing.REVOKED));
            if (!page.path("next").canConvertToLong() || page.path("next").isNull()) {
                break;
            }
            after = page.path("next").asLong();
        }
        Map<GatewayRegistry.Binding, Boolean> bindings = new HashMap<>();
        Integer offset = null;
        while (true) {
            ObjectNode request = request("admission.bindings");
            if (offset != null) {
                request.put("after", offset);
            }
            JsonNode page = call(request);
            for (JsonNode item : page.path("items")) {
                bindings.put(
                        new GatewayRegistry.Binding(
                                item.path("name").asText(),
                                item.path("gatewayId").asLong()),
                        item.path("bound").asBoolean());
            }
            if (page.path("next").isNull() || page.path("next").isMissingNode()) {
                break;
            }
            offset = page.path("next").asInt();
        }
        return new Contents(standings, bindings);
    }

    void setStanding(long gatewayId, GatewayRegistry.Standing standing) throws UnavailableException {
        call(request("admission.standing.set").put("gatewayId", gatewayId).put("standing", standing.name()));
    }

    void setBinding(GatewayRegistry.Binding binding, boolean bound) throws UnavailableException {
        call(request("admission.binding.set")
                .put("gatewayId", binding.gatewayId())
                .put("name", binding.name())
                .put("bound", bound));
    }

    /** False when the token was used before. */
    boolean addToken(String tokenHash) throws UnavailableException {
        return call(request("admission.token.add").put("tokenHash", tokenHash))
                .path("added")
                .asBoolean();
    }

    /** One conditional UPDATE at the database: of monitors racing with one token, one alone is told USED. */
    TokenUse useToken(String tokenHash, long gatewayId) throws UnavailableException {
        String outcome = call(request("admission.token.use")
                        .put("tokenHash", tokenHash)
                        .put("gatewayId", gatewayId))
                .path("outcome")
                .asText();
        return TokenUse.valueOf(outcome);
    }

    /** Merges a registry file's contents into the database, {@value #IMPORT_CHUNK} entries of a kind a call. */
    void importFile(RegistryFile.Contents contents) throws UnavailableException {
        List<GatewayRegistry.Binding> bound = new ArrayList<>();
        List<GatewayRegistry.Binding> unbound = new ArrayList<>();
        contents.bindings().forEach((binding, isBound) -> (isBound ? bound : unbound).add(binding));
        List<Long> approved = new ArrayList<>();
        List<Long> revoked = new ArrayList<>();
        contents.standings().forEach((id, standing) -> {
            if (standing == GatewayRegistry.Standing.APPROVED) {
                approved.add(id);
            } else if (standing == GatewayRegistry.Standing.REVOKED) {
                revoked.add(id);
            }
        });
        List<String> tokens = new ArrayList<>(contents.tokenHashes());
        List<String> used = new ArrayList<>(contents.usedHashes());
        int chunks = 1;
        for (Collection<?> kind : List.of(approved, revoked, tokens, used, bound, unbound)) {
            chunks = Math.max(chunks, (kind.size() + IMPORT_CHUNK - 1) / IMPORT_CHUNK);
        }
        for (int chunk = 0; chunk < chunks; chunk++) {
            ObjectNode request = request("admission.import");
            ArrayNode approvedIds = request.putArray("approved");
            slice(approved, chunk).forEach(approvedIds::add);
            ArrayNode revokedIds = request.putArray("revoked");
            slice(revoked, chunk).forEach(revokedIds::add);
            ArrayNode tokenList = request.putArray("tokens");
            slice(tokens, chunk).forEach(tokenList::add);
            ArrayNode usedList = request.putArray("used");
            slice(used, chunk).forEach(usedList::add);
            ArrayNode boundList = request.putArray("bound");
            slice(bound, chunk)
                    .forEach(b -> boundList.addObject().put("name", b.name()).put("gatewayId", b.gatewayId()));
            ArrayNode unboundList = request.putArray("unbound");
            slice(unbound, chunk)
                    .forEach(b -> unboundList.addObject().put("name", b.name()).put("gatewayId", b.gatewayId()));
            call(request);
        }
    }

    /** One volume id on record: its owner (a gateway id, or {@code *} for a shared name) and name. */
    record VolumeId(int volumeId, String owner, String name) {}

    /** Every volume id on record, page by page ({@code volumeid.list}). */
    List<VolumeId> volumeIds() throws UnavailableException {
        List<VolumeId> ids = new ArrayList<>();
        int after = 0;
        while (true) {
            JsonNode page = call(request("volumeid.list").put("after", after));
            page.path("items")
                    .forEach(i -> ids.add(new VolumeId(
                            i.path("volumeId").asInt(),
                            i.path("owner").asText(),
                            i.path("name").asText())));
            if (page.path("next").isNull() || page.path("next").isMissingNode()) {
                return ids;
            }
            after = page.path("next").asInt();
        }
    }

    /**
     * The ids of names new to this monitor ({@code volumeid.assign}: kept ids, free proposals, else the next above
     * every id; one transaction), in their order; null when the names new to the database would take the gateway or the
     * server past its cap, and nothing was assigned.
     */
    int[] assignVolumeIds(
            long gatewayId, List<String> names, List<Boolean> shared, int[] proposed, int maxPerGateway, int maxInAll)
            throws UnavailableException {
        ObjectNode request = request("volumeid.assign")
                .put("gatewayId", gatewayId)
                .put("maxPerGateway", maxPerGateway)
                .put("maxInAll", maxInAll);
        ArrayNode items = request.putArray("items");
        for (int i = 0; i < names.size(); i++) {
            items.addObject()
                    .put("name", names.get(i))
                    .put("shared", shared.get(i))
                    .put("proposed", proposed[i]);
        }
        JsonNode answer = call(request);
        if (answer.path("capped").asBoolean()) {
            return null;
        }
        int[] ids = new int[names.size()];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = answer.path("ids").path(i).asInt();
        }
        return ids;
    }

    /** A monitor's old volume id file into the database, where nothing is on record ({@code volumeid.import}). */
    void importVolumeIds(List<VolumeId> ids) throws UnavailableException {
        for (int from = 0; from < ids.size(); from += IMPORT_CHUNK) {
            ObjectNode request = request("volumeid.import");
            ArrayNode items = request.putArray("items");
            for (VolumeId id : ids.subList(from, Math.min(ids.size(), from + IMPORT_CHUNK))) {
                items.addObject()
                        .put("volumeId", id.volumeId())
                        .put("owner", id.owner())
                        .put("name", id.name());
            }
            call(request);
        }
    }

    private static <T> List<T> slice(List<T> list, int chunk) {
        int from = Math.min(list.size(), chunk * IMPORT_CHUNK);
        return list.subList(from, Math.min(list.size(), from + IMPORT_CHUNK));
    }

    private ObjectNode request(String op) {
        return mapper.createObjectNode().put("op", op).put("actor", ACTOR);
    }

    private JsonNode call(ObjectNode request) throws UnavailableException {
        String op = request.path("op").asText();
        byte[] body;
        try {
            body = mapper.writeValueAsBytes(request);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a registry request does not serialise", e);
        }
        if (!calleeAlive()) {
            throw new UnavailableException("no live database manager is attached to " + settings.mailbox());
        }
        long correlationId = client.nextCorrelationId();
        CompletableFuture<Reply> future;
        try {
            future = client.call(MailboxOpcodes.DB_JSON, 0, correlationId, body);
        } catch (MailboxException e) {
            throw new UnavailableException("cannot call the database manager (" + op + "): " + e.getMessage());
        }
        Reply reply;
        try {
            reply = future.get(settings.callTimeoutMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            reply = gaveUp(op, correlationId, future);
        } catch (ExecutionException e) {
            throw new UnavailableException("cannot call the database manager (" + op + "): "
                    + e.getCause().getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            client.cancel(correlationId);
            throw new UnavailableException("interrupted while waiting for the database manager (" + op + ")");
        }
        String text = reply.result() == null ? "" : new String(reply.result(), StandardCharsets.UTF_8);
        if (reply.status() != CallStatus.OK) {
            // UNAVAILABLE (the database is away), a revoked or abandoned call, or a refusal: the change is not on
            // record.
            throw new UnavailableException("the database manager answered " + op + " with "
                    + (reply.status() >= 0 ? CallStatus.name(reply.status()) : reply.statusName())
                    + (text.isEmpty() ? "" : ": " + text));
        }
        try {
            return text.isEmpty() ? mapper.createObjectNode() : mapper.readTree(text);
        } catch (IOException e) {
            throw new UnavailableException(
                    "the database manager's answer to " + op + " does not parse: " + e.getMessage());
        }
    }

    /**
     * A call not answered in time is revoked. One no callee had taken did not happen; one the database manager took may
     * still finish, so its final word is awaited a little longer: CANCELLED without EXECUTED means it stopped the call
     * before any effect (the transaction is rolled back), any other answer is the call's own and is used.
     */
    private Reply gaveUp(String op, long correlationId, CompletableFuture<Reply> future) throws UnavailableException {
        String late = "the database manager did not answer " + op + " within " + settings.callTimeoutMillis() + " ms";
        if (client.cancel(correlationId) == MailboxStatus.OK) {
            throw new UnavailableException(late + "; the call was withdrawn");
        }
        Reply reply;
        try {
            reply = future.get(REVOKE_GRACE_MILLIS, TimeUnit.MILLISECONDS);
        } catch (TimeoutException | ExecutionException e) {
            throw new UnavailableException(late + " nor to its revocation; it may still take effect");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new UnavailableException(late);
        }
        if (reply.status() == MailboxStatus.CANCELLED && (reply.flags() & SlotFlags.EXECUTED) == 0) {
            throw new UnavailableException(late + "; it stopped the call before it took effect");
        }
        return reply;
    }

    /** Whether a live process is attached to the mailbox as callee: without one, a call would only wait. */
    private boolean calleeAlive() {
        for (int i = 0; i < mailbox.geometry().maxCallees(); i++) {
            var entry = mailbox.calleeEntry(i);
            if (entry.inUse() && entry.alive()) {
                return true;
            }
        }
        return false;
    }

    @Override
    public void close() {
        client.close();
        mailbox.close();
    }
}
