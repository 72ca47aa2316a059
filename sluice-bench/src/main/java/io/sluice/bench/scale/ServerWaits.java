package io.sluice.bench.scale;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sluice.bench.JsonCaller;
import io.sluice.testkit.Await;
import java.io.IOException;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * What a scale run waits for on the server under test, each look a JSON call to one of its mailboxes: throttle sets
 * settled, the samples drained into the database, every volume shown in the services' live view, a role answering.
 * Polled four times a second (the calls load a server under measurement), bounded, a timeout an {@link IOException}
 * naming what was awaited.
 */
final class ServerWaits {
    private ServerWaits() {}

    /**
     * The services' throttleSets once nothing waits or is in flight, asked no earlier than {@code notBefore} (epoch ms)
     * and given at most {@code maxMillis} more.
     */
    static JsonNode settleThrottleSets(JsonCaller services, long notBefore, long maxMillis) throws Exception {
        Thread.sleep(Math.max(0, notBefore - System.currentTimeMillis()));
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(maxMillis);
        while (true) {
            JsonNode sets = services.ok(JsonCaller.request("status"), 30).path("throttleSets");
            if ((sets.path("waiting").asLong() == 0 && sets.path("inFlight").asLong() == 0)
                    || System.nanoTime() > deadline) {
                return sets;
            }
            Thread.sleep(250);
        }
    }

    /**
     * Until nothing waits between the services and the database (the services' forwarder holds no samples and has no
     * call in flight, the database manager buffers none) or {@code maxMillis} passed.
     */
    static void awaitDrained(JsonCaller db, JsonCaller services, long maxMillis) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(maxMillis);
        while (System.nanoTime() < deadline) {
            JsonNode forwarding = services.ok(JsonCaller.request("status"), 30).path("dbForwarding");
            JsonNode dbStatus = db.ok(JsonCaller.request("status"), 30);
            if (forwarding.path("pendingSamples").asLong() == 0
                    && forwarding.path("inFlight").asLong() == 0
                    && dbStatus.path("bufferedSamples").asLong() == 0
                    && dbStatus.path("journaledSamples").asLong() == 0) {
                return;
            }
            Thread.sleep(250);
        }
    }

    /** How many of {@code expected} the services' live view holds, every page of it; -1 while it cannot answer. */
    static int countShown(JsonCaller services, Set<Integer> expected) {
        int shown = 0;
        try {
            String after = null;
            do {
                ObjectNode request = JsonCaller.request("live.volumes");
                if (after != null) {
                    request.put("after", after);
                }
                JsonCaller.Result page = services.call(request, 30);
                if (!page.ok()) {
                    return -1;
                }
                for (JsonNode item : page.body().path("items")) {
                    if (expected.contains(item.path("volumeId").asInt())) {
                        shown++;
                    }
                }
                after = page.body().path("next").isTextual()
                        ? page.body().path("next").asText()
                        : null;
            } while (after != null);
        } catch (Exception e) {
            return -1;
        }
        return shown;
    }

    static boolean answers(JsonCaller box, String op) {
        try {
            return box.call(JsonCaller.request(op), 5).ok();
        } catch (Exception e) {
            return false;
        }
    }

    static void await(String what, long timeoutMillis, BooleanSupplier condition) throws Exception {
        await(what, timeoutMillis, condition, () -> "");
    }

    static void await(String what, long timeoutMillis, BooleanSupplier condition, Supplier<String> state)
            throws Exception {
        // Polled four times a second: each look is a JSON call to a server under measurement.
        if (!Await.within(timeoutMillis, 250, condition)) {
            throw new IOException("timed out after " + timeoutMillis + " ms waiting for " + what + ": " + state.get());
        }
    }
}
