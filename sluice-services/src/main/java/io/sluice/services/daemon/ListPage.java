package io.sluice.services.daemon;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * The page a listing call asks for: {@code limit} items (1..{@value #MAX_PAGE}, {@value #DEFAULT_PAGE} when absent)
 * after the cursor {@code after}, the last id of the previous page as a string ({@link Long#MIN_VALUE} when absent).
 */
record ListPage(int limit, long after) {
    static final int DEFAULT_PAGE = 500;
    static final int MAX_PAGE = 2_000;

    static ListPage of(JsonNode call) {
        int limit = DEFAULT_PAGE;
        if (call.hasNonNull("limit")) {
            JsonNode node = call.get("limit");
            if (!node.isInt() || node.asInt() < 1 || node.asInt() > MAX_PAGE) {
                throw CallProblem.invalid("limit", "range", "limit must be 1.." + MAX_PAGE);
            }
            limit = node.asInt();
        }
        long after = Long.MIN_VALUE;
        if (call.hasNonNull("after")) {
            try {
                after = Long.parseLong(call.get("after").asText());
            } catch (NumberFormatException e) {
                throw CallProblem.invalid("after", "cursor", "after must be a cursor from a previous page's next");
            }
        }
        return new ListPage(limit, after);
    }
}
