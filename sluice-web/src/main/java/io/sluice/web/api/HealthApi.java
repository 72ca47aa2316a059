package io.sluice.web.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.http.Context;
import io.sluice.mailbox.MailboxSnapshot;
import io.sluice.web.auth.Principal;
import io.sluice.web.auth.Role;
import io.sluice.web.call.CalleeLink;
import io.sluice.web.call.MonitorStatus;
import io.sluice.web.call.PairStatus;
import io.sluice.web.call.PairStatus.Standing;
import io.sluice.web.call.RoleCalls;
import io.sluice.web.http.ApiProblem;
import io.sluice.web.http.JsonBodies;
import io.sluice.web.http.OperationsSchemas;
import io.sluice.web.http.QueryParams;
import io.sluice.web.http.Routes;
import io.sluice.web.http.StandbyGate;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;

/** Process and mailbox health, this server's role in a pair, and the audit log. */
public final class HealthApi {
    private final RoleCalls calls;
    private final JsonBodies bodies;
    private final List<CalleeLink> links;
    private final CalleeLink monitor;
    private final PairStatus pair;

    public HealthApi(RoleCalls calls, JsonBodies bodies, List<CalleeLink> links, CalleeLink monitor, PairStatus pair) {
        this.calls = calls;
        this.bodies = bodies;
        this.links = links;
        this.monitor = monitor;
        this.pair = pair;
    }

    public void register(Routes routes) {
        routes.get(
                        "/api/health",
                        Role.VIEWER,
                        "health",
                        "Each process's status and each mailbox's backlog",
                        this::health)
                .schemas(null, OperationsSchemas.HEALTH)
                .get(
                        "/api/pair",
                        Role.VIEWER,
                        "health",
                        "This server's role in a pair (active or standby) and the active server changes are made on",
                        this::pairRole)
                .schemas(null, OperationsSchemas.PAIR)
                .get(
                        "/api/audit",
                        Role.ADMIN,
                        "audit",
                        "The audit log, newest first (actor, limit, after)",
                        this::audit)
                .schemas(null, OperationsSchemas.AUDIT);
    }

    private void health(Context ctx, Principal p) {
        ObjectNode answer = bodies.mapper().createObjectNode();
        ObjectNode processes = answer.putObject("processes");
        processes.putObject("web").put("up", true);
        processes.set("db", status(() -> calls.db("status", p.actor(), calls.args())));
        processes.set("services", status(() -> calls.services("status", p.actor(), calls.args())));
        processes.set("monitor", status(this::monitorStatus));
        ArrayNode mailboxes = answer.putArray("mailboxes");
        for (CalleeLink link : links) {
            mailboxes.add(bodies.mapper().valueToTree(MailboxBacklog.of(link)));
        }
        bodies.send(ctx, answer);
    }

    /**
     * What the dashboard shows its standby banner from. {@code acting} is what {@link StandbyGate} decides changes by:
     * true on a server alone and on the active; false on a standby and on a server in a pair whose role is not known
     * yet.
     */
    private void pairRole(Context ctx, Principal p) {
        ObjectNode answer = bodies.mapper().createObjectNode();
        answer.put("inPair", pair.inPair());
        answer.put("acting", pair.acting());
        Optional<Standing> standing = pair.read();
        if (!pair.inPair()) {
            answer.put("role", "alone");
        } else if (standing.isEmpty()) {
            answer.put("role", "standby");
            answer.putNull("active");
        } else {
            Standing s = standing.get();
            answer.put("role", s.role());
            answer.put("self", s.self());
            answer.put("holder", s.holder());
            answer.put("epoch", s.epoch());
            answer.put("active", s.activeHost());
        }
        bodies.send(ctx, answer);
    }

    private ObjectNode status(Supplier<JsonNode> ask) {
        ObjectNode node = bodies.mapper().createObjectNode();
        try {
            node.put("up", true);
            node.set("status", ask.get());
        } catch (ApiProblem e) {
            node.put("up", false);
            node.put("detail", e.detail());
        }
        return node;
    }

    private JsonNode monitorStatus() {
        return bodies.mapper().valueToTree(MonitorStatus.ask(monitor));
    }

    private void audit(Context ctx, Principal p) {
        ObjectNode args = calls.args();
        Integer limit = QueryParams.intParam(ctx, "limit", 100, 1, 1000);
        args.put("limit", limit);
        String after = ctx.queryParam("after");
        if (after != null && after.length() <= 200) {
            args.put("after", after);
        }
        String actor = ctx.queryParam("actor");
        if (actor != null && !actor.isEmpty()) {
            if (actor.length() > 200) {
                throw ApiProblem.invalid("actor", "max-length", "actor is at most 200 characters");
            }
            // The envelope's actor is who asks; the filter is byActor (JSON-CALLS.md).
            args.put("byActor", actor);
        }
        bodies.send(ctx, calls.db("audit.list", p.actor(), args));
    }

    /** One mailbox's backlog as the health page and the metrics show it. */
    public record MailboxBacklog(
            String role,
            String file,
            boolean exists,
            boolean calleeAlive,
            int slots,
            int free,
            int posted,
            int taken,
            int done) {
        public static MailboxBacklog of(CalleeLink link) {
            var snap = link.snapshot();
            if (snap.isEmpty()) {
                return new MailboxBacklog(link.role(), link.file().toString(), false, false, 0, 0, 0, 0, 0);
            }
            MailboxSnapshot s = snap.get();
            int posted = 0;
            int taken = 0;
            int done = 0;
            for (MailboxSnapshot.Slot slot : s.slots()) {
                switch (slot.state()) {
                    case "POSTED" -> posted++;
                    case "TAKEN" -> taken++;
                    case "DONE" -> done++;
                    default -> {}
                }
            }
            boolean alive = s.callees().stream().anyMatch(MailboxSnapshot.Party::alive);
            return new MailboxBacklog(
                    link.role(),
                    link.file().toString(),
                    true,
                    alive,
                    s.geometry().slotCount(),
                    s.freeSlots(),
                    posted,
                    taken,
                    done);
        }
    }
}
