package io.sluice.bench.scale;

import com.fasterxml.jackson.databind.JsonNode;
import io.sluice.bench.JsonCaller;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Volumes whose stored windows leave a hole in the stretch, and volumes with no windows covering it by the deadline.
 */
record HoleCheck(List<String> holes, Set<Integer> uncovered, long millis) {
    int volumesWithHoles() {
        Set<Integer> bad = new HashSet<>(uncovered);
        holes.forEach(h -> bad.add(Integer.parseInt(h.substring(0, h.indexOf(':')))));
        return bad.size();
    }

    /**
     * Every volume's stored 1 s windows (WRITE direction, as each report stores one per direction) must tile
     * {@code [from, to]}: the first starting at or before {@code from}, the last ending at or after {@code to}, each
     * starting where the one before ended. A volume not yet covered is asked again until the deadline.
     */
    static HoleCheck check(JsonCaller db, Set<Integer> volumes, long from, long to, long deadlineMillis)
            throws InterruptedException {
        long start = System.nanoTime();
        long deadline = start + TimeUnit.MILLISECONDS.toNanos(deadlineMillis);
        Set<Integer> pending = new TreeSet<>(volumes);
        List<String> holes = new ArrayList<>();
        final int inFlight = 16;
        while (!pending.isEmpty() && System.nanoTime() < deadline) {
            Iterator<Integer> it = List.copyOf(pending).iterator();
            while (it.hasNext()) {
                List<Integer> batch = new ArrayList<>(inFlight);
                while (it.hasNext() && batch.size() < inFlight) {
                    batch.add(it.next());
                }
                List<CompletableFuture<JsonCaller.Result>> answers = new ArrayList<>(batch.size());
                for (int volume : batch) {
                    // From a minute before: the window that covers 'from' may have started well before it.
                    answers.add(db.post(JsonCaller.request("samples.range")
                            .put("volumeId", volume)
                            .put("direction", "WRITE")
                            .put("from", from - 60_000)
                            .put("to", to + 3 * ScaleBenchmark.POLL_MILLIS)
                            .put("resolution", "1s")));
                }
                for (int i = 0; i < batch.size(); i++) {
                    JsonCaller.Result result;
                    try {
                        result = answers.get(i).get(30, TimeUnit.SECONDS);
                    } catch (Exception e) {
                        continue;
                    }
                    if (!result.ok()) {
                        continue;
                    }
                    List<long[]> windows = new ArrayList<>();
                    for (JsonNode p : result.body().path("points")) {
                        long t = p.path("t").asLong();
                        long end = t + p.path("windowMillis").asLong();
                        if (end > from && t < to) {
                            windows.add(new long[] {t, end});
                        }
                    }
                    if (windows.isEmpty() || windows.getFirst()[0] > from || windows.getLast()[1] < to) {
                        continue; // not all stored yet: asked again
                    }
                    for (int w = 1; w < windows.size(); w++) {
                        if (windows.get(w)[0] != windows.get(w - 1)[1]) {
                            holes.add(batch.get(i) + ": " + windows.get(w - 1)[1] + " -> " + windows.get(w)[0]);
                        }
                    }
                    pending.remove(batch.get(i));
                }
            }
            if (!pending.isEmpty()) {
                Thread.sleep(500);
            }
        }
        return new HoleCheck(holes, pending, (System.nanoTime() - start) / 1_000_000);
    }
}
