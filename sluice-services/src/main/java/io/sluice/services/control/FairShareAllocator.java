package io.sluice.services.control;

import io.sluice.services.sla.PriorityClass;

/**
 * Divides one backend's capacity among its volumes, in three passes:
 *
 * <ol>
 *   <li>reservations: each volume gets its reservation (up to its limit), demanded or not. An idle reservation is not
 *       lent: taking it back costs an interval, and in that interval the owner would miss the guarantee while the
 *       backend is overbooked;
 *   <li>demand: what is left goes to the classes in priority order, shared within a class by weighted max-min fairness
 *       (water-filling) up to each volume's demand and limit. A volume that wants less than its fair share keeps only
 *       what it wants and the rest flows to the others;
 *   <li>headroom: capacity nobody demands is spread by weight up to each volume's limit, so a volume whose load rises
 *       can take idle capacity at once instead of one interval later.
 * </ol>
 *
 * Idle share is lent by passes 2 and 3 and comes back as soon as its owner's demand shows, in pass 2. When capacity
 * shrinks, pass 2 runs dry for the lowest class first; no pass takes a reservation away. The arrays are indexed by
 * volume; nothing here knows about gateways or time.
 */
final class FairShareAllocator {
    private static final double UNLIMITED = Double.MAX_VALUE;

    private FairShareAllocator() {}

    /**
     * @param demand normalized IOPS each volume is estimated to want
     * @param limit each volume's IOPS ceiling, 0 for none
     * @param reservation each volume's guaranteed IOPS
     * @return each volume's allocation; the sum never exceeds {@code capacity} unless the reservations alone do
     */
    static double[] allocate(
            double capacity,
            double[] demand,
            double[] limit,
            double[] reservation,
            int[] weight,
            PriorityClass[] priority) {
        int n = demand.length;
        double[] granted = new double[n];
        double left = capacity;
        for (int i = 0; i < n; i++) {
            granted[i] = Math.min(reservation[i], ceiling(limit[i]));
            left -= granted[i];
        }
        left = Math.max(0, left);
        double[] cap = new double[n];
        for (PriorityClass level : PriorityClass.values()) {
            for (int i = 0; i < n; i++) {
                cap[i] = priority[i] == level ? Math.max(0, Math.min(demand[i], ceiling(limit[i])) - granted[i]) : 0;
            }
            left = waterFill(left, cap, weight, granted);
        }
        for (int i = 0; i < n; i++) {
            cap[i] = Math.max(0, ceiling(limit[i]) - granted[i]);
        }
        waterFill(left, cap, weight, granted);
        return granted;
    }

    private static double ceiling(double limit) {
        return limit > 0 ? limit : UNLIMITED;
    }

    /**
     * Weighted max-min fairness: pours {@code amount} into the volumes with room ({@code cap} > 0) in proportion to
     * weight, each up to its cap; returns what nobody could take.
     */
    private static double waterFill(double amount, double[] cap, int[] weight, double[] granted) {
        boolean[] full = new boolean[cap.length];
        double weights = 0;
        for (int i = 0; i < cap.length; i++) {
            full[i] = cap[i] <= 0;
            if (!full[i]) {
                weights += weight[i];
            }
        }
        while (amount > 1e-9 && weights > 0) {
            double perWeight = amount / weights;
            boolean someoneFilled = false;
            for (int i = 0; i < cap.length; i++) {
                if (!full[i] && cap[i] <= perWeight * weight[i]) {
                    granted[i] += cap[i];
                    amount -= cap[i];
                    weights -= weight[i];
                    full[i] = true;
                    someoneFilled = true;
                }
            }
            if (!someoneFilled) {
                for (int i = 0; i < cap.length; i++) {
                    if (!full[i]) {
                        granted[i] += perWeight * weight[i];
                    }
                }
                return 0;
            }
        }
        return Math.max(0, amount);
    }
}
