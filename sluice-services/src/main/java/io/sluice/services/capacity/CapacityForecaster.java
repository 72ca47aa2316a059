package io.sluice.services.capacity;

import io.sluice.services.compliance.Severity;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.Map;

/**
 * Capacity forecasting, the warning before storage fills up: keeps each backend's used space over time and fits a
 * least-squares line through a sliding window of samples to say how many days remain until it is full. A backend whose
 * use is flat or shrinking has no date; one that is already full has zero days. Warnings come from thresholds in days
 * (e.g. critical below 7, warning below 30). Samples are thinned to one per {@code sampleEveryMillis}, so a window of
 * 720 samples at 2 minutes is a day. Single-threaded, like the analyzer it runs next to.
 */
public final class CapacityForecaster {
    private static final double MILLIS_PER_DAY = 86_400_000.0;

    /** A backend's forecast. {@code daysUntilFull} is infinite when use is not growing. */
    public record Forecast(
            String backendId,
            long capacityBytes,
            long usedBytes,
            double growthBytesPerDay,
            double daysUntilFull,
            int samples) {
        public boolean isGrowing() {
            return growthBytesPerDay > 0;
        }
    }

    private record Sample(long atMillis, long usedBytes) {}

    private final int window;
    private final long sampleEveryMillis;
    private final Map<String, Deque<Sample>> samples = new HashMap<>();
    private final Map<String, Long> capacity = new HashMap<>();

    public CapacityForecaster(int window, long sampleEveryMillis) {
        if (window < 2 || sampleEveryMillis < 0) {
            throw new IllegalArgumentException("a forecast needs a window of at least 2 samples");
        }
        this.window = window;
        this.sampleEveryMillis = sampleEveryMillis;
    }

    /** Records a backend's used and total space at a time; samples closer than the thinning interval are merged. */
    public void observe(String backendId, long atMillis, long usedBytes, long capacityBytes) {
        if (capacityBytes <= 0 || usedBytes < 0) {
            return;
        }
        capacity.put(backendId, capacityBytes);
        Deque<Sample> series = samples.computeIfAbsent(backendId, id -> new ArrayDeque<>());
        Sample last = series.peekLast();
        if (last != null && atMillis - last.atMillis() < sampleEveryMillis) {
            series.pollLast();
            series.addLast(new Sample(last.atMillis(), usedBytes));
            return;
        }
        series.addLast(new Sample(atMillis, usedBytes));
        while (series.size() > window) {
            series.pollFirst();
        }
    }

    /** The forecast for a backend, or null before any sample. */
    public Forecast forecast(String backendId) {
        Deque<Sample> series = samples.get(backendId);
        if (series == null || series.isEmpty()) {
            return null;
        }
        long total = capacity.get(backendId);
        long used = series.peekLast().usedBytes();
        double slopePerMilli = slope(series);
        double growthPerDay = slopePerMilli * MILLIS_PER_DAY;
        double days;
        if (used >= total) {
            days = 0;
        } else if (growthPerDay <= 0) {
            days = Double.POSITIVE_INFINITY;
        } else {
            days = (total - used) / growthPerDay;
        }
        return new Forecast(backendId, total, used, growthPerDay, days, series.size());
    }

    /** The severity a forecast deserves: null when the date is further away than {@code warningDays}. */
    public static Severity severity(Forecast forecast, double criticalDays, double warningDays) {
        if (forecast == null || forecast.samples() < 2 && forecast.usedBytes() < forecast.capacityBytes()) {
            return null;
        }
        if (forecast.daysUntilFull() <= criticalDays) {
            return Severity.CRITICAL;
        }
        return forecast.daysUntilFull() <= warningDays ? Severity.WARNING : null;
    }

    private static double slope(Deque<Sample> series) {
        if (series.size() < 2) {
            return 0;
        }
        long origin = series.peekFirst().atMillis();
        double n = series.size();
        double sumX = 0;
        double sumY = 0;
        double sumXX = 0;
        double sumXY = 0;
        for (Sample s : series) {
            double x = s.atMillis() - origin;
            double y = s.usedBytes();
            sumX += x;
            sumY += y;
            sumXX += x * x;
            sumXY += x * y;
        }
        double denominator = n * sumXX - sumX * sumX;
        return denominator == 0 ? 0 : (n * sumXY - sumX * sumY) / denominator;
    }
}
