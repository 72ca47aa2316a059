package io.sluice.gateway.stats;

import com.fasterxml.jackson.annotation.JsonIgnore;
import org.HdrHistogram.Histogram;

/**
 * One direction of one volume since the gateway started. Queue depth counts requests admitted and not yet finished at
 * the backend (held by QoS or in the backend). Time throttled is wall time during which the volume had a request ready
 * that its own limits held back. Latency is total (request read to backend done: QoS hold plus backend) and backend
 * only. The histograms (in microseconds) are copies the caller owns, for the monitor link to encode; files get the
 * summaries.
 */
public record DirectionSnapshot(
        long ops,
        long bytes,
        int queueDepth,
        int peakQueueDepth,
        long throttledNanos,
        LatencySummary totalLatency,
        LatencySummary backendLatency,
        @JsonIgnore Histogram totalHistogram,
        @JsonIgnore Histogram backendHistogram) {}
