package io.sluice.bench.scale;

import com.fasterxml.jackson.databind.JsonNode;
import io.sluice.bench.JsonCaller;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Report-to-row delay: from a gateway's report to its row in the database, for a few volumes spread over the gateways,
 * while the server runs at full shape.
 *
 * <p>Method. A gateway's report covers {@code [t, t + windowMillis)} and is sent at its end: the simulator answers a
 * POLL at {@code now}, with {@code t} = its previous answer and {@code windowMillis = now - t} (the same machine's
 * clock as here), and that {@code t} and {@code windowMillis} are what the row stores. Every {@link #PERIOD_MILLIS}
 * this probe asks the database manager, for each probed volume and all at once, {@code samples.range} (WRITE direction,
 * 1 s resolution) for the windows after the newest one it has seen. A window first returned by a call was committed
 * after the previous call for that volume was sent (that call did not return it) and before this call's answer arrived;
 * its visible time is taken as the midpoint of those two instants, so each figure is within ±(period + one call) / 2 of
 * the truth (both bounds are kept: {@link #upperMillis} is the conservative figure). Delay = visible time - (t +
 * windowMillis). Only windows that ended after the probe's first answer for the volume count, so every counted window
 * was watched for from before its report was sent.
 */
final class RowProbe implements AutoCloseable {
    static final long PERIOD_MILLIS = 200;

    private final JsonCaller db;
    private final int[] volumes;
    private final long[] newestSeen;
    /** When the previous call for each volume was sent (the row was not visible then), 0 before the first. */
    private final long[] previousSent;
    /** When the first answer for each volume arrived: windows ending before it are not counted. */
    private final long[] watchedSince;

    private final List<Long> midMillis = new ArrayList<>();
    private final List<Long> upperMillis = new ArrayList<>();
    /** The end (epoch ms) of each counted window, in the order of {@link #midMillis}. */
    private final List<Long> windowEnds = new ArrayList<>();

    private final Thread thread;
    private volatile boolean running = true;
    /** Windows ending after this are not counted: they belong after the measured stretch. */
    private volatile long countUntil = Long.MAX_VALUE;

    private int failedCalls;
    private long calls;

    RowProbe(JsonCaller db, int[] volumes, long startFrom) {
        this.db = db;
        this.volumes = volumes.clone();
        this.newestSeen = new long[volumes.length];
        Arrays.fill(newestSeen, startFrom);
        this.previousSent = new long[volumes.length];
        this.watchedSince = new long[volumes.length];
        this.thread = Thread.ofPlatform().name("scale-row-probe").daemon(true).unstarted(this::run);
    }

    void start() {
        thread.start();
    }

    private void run() {
        while (running) {
            long roundStart = System.currentTimeMillis();
            try {
                round();
            } catch (RuntimeException e) {
                if (running) {
                    synchronized (this) {
                        failedCalls++;
                    }
                }
            }
            long sleep = roundStart + PERIOD_MILLIS - System.currentTimeMillis();
            if (sleep > 0) {
                try {
                    Thread.sleep(sleep);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }
    }

    private void round() {
        long sent = System.currentTimeMillis();
        List<CompletableFuture<JsonCaller.Result>> answers = new ArrayList<>(volumes.length);
        for (int i = 0; i < volumes.length; i++) {
            answers.add(db.post(JsonCaller.request("samples.range")
                    .put("volumeId", volumes[i])
                    .put("direction", "WRITE")
                    .put("from", newestSeen[i] + 1)
                    .put("to", sent + 60_000)
                    .put("resolution", "1s")));
        }
        for (int i = 0; i < volumes.length; i++) {
            JsonCaller.Result result;
            try {
                result = answers.get(i).get(30, TimeUnit.SECONDS);
            } catch (Exception e) {
                result = null;
            }
            long arrived = System.currentTimeMillis();
            synchronized (this) {
                calls++;
                if (result == null || !result.ok()) {
                    failedCalls++;
                    continue;
                }
                for (JsonNode point : result.body().path("points")) {
                    long t = point.path("t").asLong();
                    long end = t + point.path("windowMillis").asLong();
                    newestSeen[i] = Math.max(newestSeen[i], t);
                    if (end <= countUntil && watchedSince[i] > 0 && end > watchedSince[i] && previousSent[i] > 0) {
                        midMillis.add((previousSent[i] + arrived) / 2 - end);
                        upperMillis.add(arrived - end);
                        windowEnds.add(end);
                    }
                }
                if (watchedSince[i] == 0) {
                    watchedSince[i] = arrived;
                }
                previousSent[i] = sent;
            }
        }
    }

    /**
     * Counts no window that ends after {@code epochMillis} (the end of the measured stretch); windows that ended before
     * are still counted when they show later, until {@link #close}.
     */
    void countUntil(long epochMillis) {
        countUntil = epochMillis;
    }

    synchronized long[] midMillis() {
        return midMillis.stream().mapToLong(Long::longValue).toArray();
    }

    synchronized long[] upperMillis() {
        return upperMillis.stream().mapToLong(Long::longValue).toArray();
    }

    /**
     * The largest delay of the windows that ended in each {@code sliceMillis} from {@code from}: whether a high
     * percentile is one stall or spread over the stretch. -1 for a slice with no window.
     */
    synchronized long[] maxBySlice(long from, long to, long sliceMillis) {
        long[] max = new long[(int) Math.max(1, (to - from + sliceMillis - 1) / sliceMillis)];
        Arrays.fill(max, -1);
        for (int i = 0; i < windowEnds.size(); i++) {
            int slice = (int) ((windowEnds.get(i) - from) / sliceMillis);
            if (slice >= 0 && slice < max.length) {
                max[slice] = Math.max(max[slice], midMillis.get(i));
            }
        }
        return max;
    }

    synchronized int failedCalls() {
        return failedCalls;
    }

    synchronized long calls() {
        return calls;
    }

    /** Nearest-rank percentile, or -1 with no values. */
    static long percentile(long[] values, double p) {
        if (values.length == 0) {
            return -1;
        }
        long[] sorted = values.clone();
        Arrays.sort(sorted);
        int rank = (int) Math.ceil(p / 100.0 * sorted.length);
        return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        thread.interrupt();
        thread.join(35_000);
    }
}
