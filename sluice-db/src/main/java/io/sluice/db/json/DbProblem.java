package io.sluice.db.json;

import io.sluice.protocol.CallStatus;
import java.util.List;

/**
 * A request that cannot be served as asked, with the {@link CallStatus} the caller gets and the fields of its problem
 * JSON (see JSON-CALLS.md). Thrown anywhere below an op; the dispatcher turns it into the reply.
 */
public final class DbProblem extends RuntimeException {
    private final int status;
    private final String title;
    private final String field;
    private final String rule;
    private final Integer currentVersion;
    private final List<Integer> volumeIds;

    private DbProblem(int status, String title, String detail, String field, String rule, Integer currentVersion) {
        this(status, title, detail, field, rule, currentVersion, List.of());
    }

    private DbProblem(
            int status,
            String title,
            String detail,
            String field,
            String rule,
            Integer currentVersion,
            List<Integer> volumeIds) {
        super(detail, null, false, false);
        this.status = status;
        this.title = title;
        this.field = field;
        this.rule = rule;
        this.currentVersion = currentVersion;
        this.volumeIds = volumeIds;
    }

    public static DbProblem invalid(String field, String rule, String detail) {
        return new DbProblem(CallStatus.INVALID, "Invalid request", detail, field, rule, null);
    }

    public static DbProblem notFound(String detail) {
        return new DbProblem(CallStatus.NOT_FOUND, "Not found", detail, null, null, null);
    }

    /** A sample batch naming volumes the registry does not hold; the caller registers them and sends again. */
    public static DbProblem unknownVolumes(String detail, List<Integer> volumeIds) {
        return new DbProblem(
                CallStatus.NOT_FOUND, "Unknown volume", detail, "volumeId", "registered", null, List.copyOf(volumeIds));
    }

    public static DbProblem conflict(String detail, Integer currentVersion) {
        return new DbProblem(CallStatus.CONFLICT, "Conflict", detail, null, null, currentVersion);
    }

    public static DbProblem unknownOp(String detail) {
        return new DbProblem(CallStatus.UNKNOWN_OP, "Unknown operation", detail, null, null, null);
    }

    public static DbProblem tooLarge(String detail) {
        return new DbProblem(CallStatus.TOO_LARGE, "Too large", detail, null, null, null);
    }

    public static DbProblem unavailable(String detail) {
        return new DbProblem(CallStatus.UNAVAILABLE, "Unavailable", detail, null, null, null);
    }

    public static DbProblem internal(String detail) {
        return new DbProblem(CallStatus.INTERNAL, "Internal error", detail, null, null, null);
    }

    public int status() {
        return status;
    }

    public String title() {
        return title;
    }

    public String field() {
        return field;
    }

    public String rule() {
        return rule;
    }

    public Integer currentVersion() {
        return currentVersion;
    }

    /** The volumes a refused sample batch named that nobody registered; empty for other problems. */
    public List<Integer> volumeIds() {
        return volumeIds;
    }
}
