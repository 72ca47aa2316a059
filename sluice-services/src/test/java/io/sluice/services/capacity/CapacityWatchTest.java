package io.sluice.services.capacity;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.services.compliance.Alert;
import io.sluice.services.compliance.Alerts;
import io.sluice.services.compliance.Severity;
import io.sluice.services.inventory.BackendProfile;
import io.sluice.services.inventory.Inventory;
import io.sluice.services.inventory.VolumePlacement;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Capacity forecasts per backend from the volumes' reported space, and the alerts they raise and clear. */
class CapacityWatchTest {
    private static final long DAY = 86_400_000L;
    private static final long TIB = 1L << 40;

    @Test
    void aBackendFillingUpRaisesAWarningThenACriticalAlertAndClearsWhenGrowthStops() {
        Inventory inventory = new Inventory().addBackend(new BackendProfile("array-1", 10_000, 200));
        inventory.place(new VolumePlacement(1, "array-1", List.of(), TIB));
        inventory.place(new VolumePlacement(2, "array-1", List.of(), TIB));
        Alerts alerts = new Alerts();
        CapacityWatch watch = new CapacityWatch(inventory, alerts, new CapacityForecaster(10, 0), 30, 7);
        List<Long> history = new ArrayList<>();

        // 2 TiB in all; 1% of a TiB more used each day: about 100 days to go.
        long used = TIB / 2;
        for (int day = 0; day < 5; day++) {
            watch.onVolumeSpace(1, TIB, used + day * (TIB / 100));
            watch.onVolumeSpace(2, TIB, TIB / 2);
            watch.observe(day * DAY, (backend, capacity, usedBytes) -> history.add(usedBytes));
        }
        assertThat(watch.forecast("array-1").capacityBytes()).isEqualTo(2 * TIB);
        assertThat(watch.forecast("array-1").daysUntilFull()).isBetween(90.0, 100.0);
        assertThat(watch.severity("array-1")).isNull();
        assertThat(alerts.active()).isEmpty();
        assertThat(history).hasSize(5).isSorted();

        // Then both volumes grow 5% of a TiB a day: full within 30 days (warning), then within 7 (critical).
        long at = 4 * DAY;
        long now = used + 4 * (TIB / 100);
        long other = TIB / 2;
        while (watch.severity("array-1") != Severity.CRITICAL && now < TIB) {
            at += DAY;
            now += TIB / 20;
            other += TIB / 20;
            watch.onVolumeSpace(1, TIB, now);
            watch.onVolumeSpace(2, TIB, other);
            watch.observe(at, (backend, capacity, usedBytes) -> {});
            if (watch.severity("array-1") == Severity.WARNING) {
                assertThat(alerts.active()).extracting(Alert::key).containsExactly("capacity:array-1");
            }
        }
        assertThat(watch.severity("array-1")).isEqualTo(Severity.CRITICAL);
        assertThat(alerts.active())
                .singleElement()
                .satisfies(a -> assertThat(a.severity()).isEqualTo(Severity.CRITICAL));

        // Growth stops (data deleted): the forecast recedes and the alert clears.
        for (int day = 0; day < 12; day++) {
            at += DAY;
            watch.onVolumeSpace(1, TIB, TIB / 4);
            watch.observe(at, (backend, capacity, usedBytes) -> {});
        }
        assertThat(watch.severity("array-1")).isNull();
        assertThat(alerts.active()).isEmpty();
        assertThat(alerts.history()).extracting(Alert::key).containsOnly("capacity:array-1");
    }
}
