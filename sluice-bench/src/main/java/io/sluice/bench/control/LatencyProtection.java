package io.sluice.bench.control;

import io.sluice.bench.control.ClosedLoop.Mode;
import io.sluice.bench.control.ControlScenarios.Device;
import io.sluice.bench.control.ControlScenarios.LatencyRun;

/**
 * Gold next to bronze's flood on one device ({@link ControlScenarios#goldNextToAFlood}) under all three regimes, the
 * same seeds for each, added up over the seeds run.
 */
final class LatencyProtection {
    private final Device device;
    private final int[] windows = new int[Mode.values().length];
    private final int[] met = new int[Mode.values().length];
    private final double[] delivered = new double[Mode.values().length];

    LatencyProtection(Device device) {
        this.device = device;
    }

    void run(long seed, int intervals) {
        for (Mode mode : Mode.values()) {
            LatencyRun run =
                    ControlScenarios.goldNextToAFlood(device, mode, seed, intervals, ControlScenarios.GOLD_LATENCY);
            windows[mode.ordinal()] += run.windows();
            met[mode.ordinal()] += run.windowsMet();
            delivered[mode.ordinal()] += run.deliveredDuringFlood();
        }
    }

    Device device() {
        return device;
    }

    int windows(Mode mode) {
        return windows[mode.ordinal()];
    }

    int windowsMet(Mode mode) {
        return met[mode.ordinal()];
    }

    /**
     * The share of gold's windows within its objective, as the product judges it
     * ({@link ControlScenarios.Rule#OBJECTIVE}).
     */
    double shareMet(Mode mode) {
        return (double) windowsMet(mode) / windows(mode);
    }

    /** Everything delivered during the flood, over the same with no QoS. */
    double throughputVsNoQos(Mode mode) {
        return delivered[mode.ordinal()] / delivered[Mode.NO_QOS.ordinal()];
    }
}
