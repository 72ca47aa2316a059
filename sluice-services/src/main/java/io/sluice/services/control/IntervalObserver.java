package io.sluice.services.control;

import java.util.List;

/** Sees every volume's numbers once per analyzer interval; compliance is one. */
@FunctionalInterface
public interface IntervalObserver {
    void onInterval(long now, List<VolumeInterval> volumes);
}
