package io.sluice.services.daemon;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sluice.mailbox.MailboxCaller;
import io.sluice.mailbox.MailboxStatus;
import io.sluice.mailbox.ReplyView;
import io.sluice.protocol.CallStatus;
import io.sluice.protocol.MailboxOpcodes;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The {@link DbForwarder}'s JSON calls to the database manager: those waiting (at most {@code maxPending}; the oldest
 * is dropped, counted, for a newer one, since a verdict or registration queued long ago matters least), those in flight
 * by correlation id, and their replies decoded and handed to whoever asked.
 *
 * <p>Not thread-safe: the services' loop thread does everything; {@link #dropped} is read by the status.
 */
final class JsonCallQueue {
    /** A JSON call in flight or waiting; {@code onResult} sees the reply's status and JSON (may be null). */
    private record JsonCall(byte[] request, ResultHandler onResult) {}

    /** What to do with a JSON call's result. */
    @FunctionalInterface
    interface ResultHandler {
        void onResult(int status, JsonNode result);
    }

    private final ObjectMapper json = new ObjectMapper();
    private final int maxPending;
    private final Consumer<String> problems;
    private final ArrayDeque<JsonCall> waiting = new ArrayDeque<>();
    private final Map<Long, JsonCall> inFlight = new HashMap<>();
    private long correlation;
    private volatile long dropped;

    /** @param problems told what went wrong, for the forwarder's {@code lastError} */
    JsonCallQueue(int maxPending, Consumer<String> problems) {
        this.maxPending = maxPending;
        this.problems = problems;
    }

    /** Queues a call ({@code request} is the whole request object); the oldest waiting one goes when full. */
    void add(Map<String, Object> request, ResultHandler onResult) {
        byte[] bytes;
        try {
            bytes = json.writeValueAsBytes(request);
        } catch (IOException e) {
            throw new IllegalArgumentException("not serializable: " + request, e);
        }
        if (waiting.size() >= maxPending) {
            waiting.poll();
            dropped++;
        }
        waiting.add(new JsonCall(bytes, onResult));
    }

    boolean isEmpty() {
        return waiting.isEmpty();
    }

    /** Posts the oldest waiting call; false when the mailbox is full and it still waits. */
    boolean postNext(MailboxCaller caller) {
        JsonCall call = waiting.peek();
        long id = ++correlation;
        long handle = caller.call(MailboxOpcodes.DB_JSON, 0, id, call.request());
        if (handle == MailboxStatus.MAILBOX_FULL) {
            return false;
        }
        waiting.poll();
        if (handle > 0) {
            inFlight.put(id, call);
        } else {
            dropped++;
            problems.accept("json call refused: " + MailboxStatus.name((int) handle));
        }
        return true;
    }

    /** The reply to one of this process's JSON calls: decoded and handed to the caller's handler. */
    void onReply(ReplyView reply) {
        JsonCall call = inFlight.remove(reply.correlationId());
        if (call == null) {
            return;
        }
        JsonNode result = null;
        if (reply.length() > 0) {
            try {
                result = json.readTree(reply.resultBytes());
            } catch (IOException e) {
                problems.accept("unreadable result from the database manager: " + e.getMessage());
            }
        }
        if (reply.status() != CallStatus.OK) {
            problems.accept(new String(call.request(), StandardCharsets.UTF_8) + " -> "
                    + DbForwarder.statusName(reply.status())
                    + (result == null ? "" : " " + result.path("detail").asText("")));
        }
        call.onResult().onResult(reply.status(), result);
    }

    /** The mailbox went away: the calls in flight will never be answered, so they count as dropped. */
    void detached() {
        dropped += inFlight.size();
        inFlight.clear();
    }

    int waiting() {
        return waiting.size();
    }

    int inFlight() {
        return inFlight.size();
    }

    long dropped() {
        return dropped;
    }
}
