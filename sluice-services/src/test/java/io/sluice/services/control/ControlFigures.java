package io.sluice.services.control;

import io.sluice.sim.storage.SimulatedBackend.SimVolume;
import io.sluice.sim.storage.SimulatedBackend.Truth;
import java.util.List;

/** The measures the control tests assert on, computed from what the simulated backend really did. */
final class ControlFigures {
    private ControlFigures() {}

    /**
     * How many analyzer intervals after a workload step at interval {@code step} the series settled for good within
     * {@code band} (IOPS) of where it ends up; {@code series.get(i)} is what the analyzer decided at the end of
     * interval i. 1 means the first decision after the step was final.
     */
    static int settlingIntervals(List<Long> series, int step, double band) {
        double last = series.getLast();
        int settled = series.size();
        for (int i = series.size() - 1; i >= step; i--) {
            if (Math.abs(series.get(i) - last) > band) {
                break;
            }
            settled = i;
        }
        return settled - step + 1;
    }

    static double meanDelivered(SimVolume volume, int from, int to) {
        double sum = 0;
        for (int i = from; i < to; i++) {
            sum += volume.history().get(i).delivered();
        }
        return sum / (to - from);
    }

    /** Share of intervals in [from, to) where the volume got min(offered, reservation), less 5%. */
    static double reservationAttainment(SimVolume volume, double reservation, int from, int to) {
        int met = 0;
        for (int i = from; i < to; i++) {
            Truth truth = volume.history().get(i);
            if (truth.delivered() >= 0.95 * Math.min(truth.offered(), reservation)) {
                met++;
            } else {
                System.out.printf("volume %d missed its reservation in interval %d: %s%n", volume.volumeId(), i, truth);
            }
        }
        return (double) met / (to - from);
    }
}
