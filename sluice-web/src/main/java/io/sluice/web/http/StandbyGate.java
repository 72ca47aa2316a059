package io.sluice.web.http;

import io.sluice.web.call.PairStatus;
import io.sluice.web.call.PairStatus.Standing;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Keeps a standby server's web from changing anything: every POST, PUT, PATCH and DELETE that a route does not mark
 * {@link Routes#onStandby} is refused with 503 {@code urn:sluice:problem:standby}, naming the active server, before its
 * handler runs, so nothing is stored. Reads go on (the database is shared). The role is the supervisor's, read at each
 * change ({@link PairStatus}), so a promotion lifts the refusal without a restart.
 *
 * <p>Refused rather than redirected (docs/design.md, "The web on a standby"): a browser does not carry this origin's
 * session cookie or CSRF token to another host, and HTTP clients do not resend an {@code Authorization} header to
 * another host on a redirect, so a 307 would turn every change into a 401 or 403 at the active that names the wrong
 * cause.
 */
public final class StandbyGate {
    /** About a lease's duration: how soon a change may be tried here again while no active is known. */
    static final long RETRY_AFTER_SECONDS = 5;

    private final PairStatus pair;

    public StandbyGate(PairStatus pair) {
        this.pair = pair;
    }

    /** Throws the standby problem when {@code route} would change state on a server that is not the active. */
    public void check(Route route) {
        if (!route.changesState() || route.onStandby() || !pair.inPair()) {
            return;
        }
        Optional<Standing> standing = pair.read();
        if (standing.map(Standing::active).orElse(false)) {
            return;
        }
        throw refusal(standing.map(Standing::activeHost).orElse(null));
    }

    /** The problem a standby answers a change with; {@code active} is the active's host, null while none is known. */
    static ApiProblem refusal(String active) {
        Map<String, Object> extensions = new LinkedHashMap<>();
        extensions.put("error", "standby");
        extensions.put("active", active);
        String detail = active == null
                ? "this server is a standby and changes nothing; no active server is known yet (a takeover may be "
                        + "under way): try again shortly"
                : "this server is a standby and changes nothing; make the change on the active server, " + active;
        return new ApiProblem(503, "standby", "This server is a standby", detail, null, null, extensions)
                .withRetryAfter(RETRY_AFTER_SECONDS)
                .inOwnWords();
    }
}
