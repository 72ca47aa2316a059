package io.sluice.services.daemon;

import io.sluice.protocol.CallStatus;

/**
 * A JSON call that cannot be answered with OK: its {@link CallStatus}, and the problem the caller gets back
 * ({@code type}, {@code title}, {@code detail}, and {@code field}/{@code rule} when one field broke one rule). Thrown
 * by the handlers of {@link ServicesQueries} and turned into the reply there, so a bad request never reaches the loop
 * as anything but a typed answer.
 */
final class CallProblem extends RuntimeException {
    private final int status;
    private final String field;
    private final String rule;

    CallProblem(int status, String detail, String field, String rule) {
        super(detail, null, false, false);
        this.status = status;
        this.field = field;
        this.rule = rule;
    }

    static CallProblem invalid(String field, String rule, String detail) {
        return new CallProblem(CallStatus.INVALID, detail, field, rule);
    }

    static CallProblem notFound(String detail) {
        return new CallProblem(CallStatus.NOT_FOUND, detail, null, null);
    }

    int status() {
        return status;
    }

    String field() {
        return field;
    }

    String rule() {
        return rule;
    }
}
