package io.sluice.services.capacity;

import io.sluice.services.compliance.Alerts;
import io.sluice.services.compliance.Severity;
import io.sluice.services.inventory.BackendProfile;
import io.sluice.services.inventory.Inventory;
import io.sluice.services.inventory.VolumePlacement;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The storage resource manager's side of the services: each backend's space is the sum over the volumes placed on it of
 * what their gateways report, fed to the {@link CapacityForecaster} once per interval; a backend forecast to fill
 * within {@code warningDays} (or {@code criticalDays}) raises the alert {@code capacity:<backend>} at that severity in
 * {@link Alerts}, which clears when the forecast recedes.
 *
 * <p>Single-threaded (the services' loop), except {@link #forecast}, which other threads may read.
 */
public final class CapacityWatch {
    private final Inventory inventory;
    private final Alerts alerts;
    private final CapacityForecaster forecaster;
    private final double warningDays;
    private final double criticalDays;
    /** Latest {capacity, used} per volume, from its gateways' reports. */
    private final Map<Integer, long[]> space = new HashMap<>();

    private final Map<String, CapacityForecaster.Forecast> forecasts = new ConcurrentHashMap<>();
    private final Map<String, Severity> severities = new HashMap<>();

    public CapacityWatch(
            Inventory inventory,
            Alerts alerts,
            CapacityForecaster forecaster,
            double warningDays,
            double criticalDays) {
        this.inventory = inventory;
        this.alerts = alerts;
        this.forecaster = forecaster;
        this.warningDays = warningDays;
        this.criticalDays = criticalDays;
    }

    /** A volume's size and use as a gateway reported them. */
    public void onVolumeSpace(int volumeId, long capacityBytes, long usedBytes) {
        long[] s = space.get(volumeId);
        if (s == null) {
            space.put(volumeId, new long[] {capacityBytes, usedBytes});
        } else {
            s[0] = capacityBytes;
            s[1] = usedBytes;
        }
    }

    /** No gateway serves the volume any more: its space no longer counts toward its backend's. */
    public void forget(int volumeId) {
        space.remove(volumeId);
    }

    /**
     * Forecasts every backend whose volumes have reported space; calls {@code onBackend} with each backend's totals
     * (what the database manager keeps as capacity history).
     */
    public void observe(long now, BackendSpace onBackend) {
        for (BackendProfile backend : inventory.backends()) {
            long capacity = 0;
            long used = 0;
            for (VolumePlacement volume : inventory.volumesOn(backend.id())) {
                long[] s = space.get(volume.volumeId());
                if (s != null && s[0] > 0) {
                    capacity += s[0];
                    used += Math.max(0, s[1]);
                }
            }
            if (capacity <= 0) {
                continue;
            }
            forecaster.observe(backend.id(), now, used, capacity);
            CapacityForecaster.Forecast forecast = forecaster.forecast(backend.id());
            forecasts.put(backend.id(), forecast);
            Severity severity = CapacityForecaster.severity(forecast, criticalDays, warningDays);
            String key = "capacity:" + backend.id();
            if (severity == null) {
                severities.remove(backend.id());
                alerts.clear(key, now);
            } else {
                severities.put(backend.id(), severity);
                alerts.raise(
                        key,
                        severity,
                        String.format(
                                Locale.ROOT, "backend %s full in %.1f days", backend.id(), forecast.daysUntilFull()),
                        now);
            }
            onBackend.accept(backend.id(), capacity, used);
        }
    }

    /** Receives a backend's total capacity and use. */
    @FunctionalInterface
    public interface BackendSpace {
        void accept(String backendId, long capacityBytes, long usedBytes);
    }

    /** A backend's latest forecast, or null before its volumes have reported space. */
    public CapacityForecaster.Forecast forecast(String backendId) {
        return forecasts.get(backendId);
    }

    public Map<String, CapacityForecaster.Forecast> forecasts() {
        return forecasts;
    }

    /** The severity of a backend's forecast alert, or null when it has none. */
    public Severity severity(String backendId) {
        return severities.get(backendId);
    }
}
