package io.sluice.sim;

import java.util.Arrays;
import java.util.EnumMap;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;

/**
 * Which gateways misbehave, and how: a fraction of all gateways per {@link FaultMode}, and modes pinned to single
 * gateways by index. {@link #assign} turns the plan into one mode per gateway, the same for the same seed, so a run can
 * be repeated.
 *
 * <p>A fraction is rounded to a whole number of gateways ({@code slow=0.01} of 1,000 is 10), and the gateways are
 * picked at random among those not pinned, so faulty gateways are spread over the simulator's threads and over the
 * monitor's connections rather than bunched at one end.
 */
public final class FaultPlan {
    private static final FaultPlan NONE = new FaultPlan(new EnumMap<>(FaultMode.class), new TreeMap<>());

    private final Map<FaultMode, Double> fractions;
    private final Map<Integer, FaultMode> pinned;

    private FaultPlan(Map<FaultMode, Double> fractions, Map<Integer, FaultMode> pinned) {
        this.fractions = fractions;
        this.pinned = pinned;
    }

    /** Every gateway well-behaved. */
    public static FaultPlan none() {
        return NONE;
    }

    /**
     * Parses {@code slow=0.01,silent=0.01,malformed=0.005,disconnect=0.01,wrong-key=0.001}: fractions of all gateways,
     * each 0..1, together at most 1.
     */
    public static FaultPlan parse(String spec) {
        FaultPlan plan = NONE;
        for (String part : spec.split(",")) {
            if (part.isBlank()) {
                continue;
            }
            int equals = part.indexOf('=');
            if (equals < 0) {
                throw new IllegalArgumentException("--fault wants MODE=FRACTION: " + part);
            }
            FaultMode mode = FaultMode.fromLabel(part.substring(0, equals).trim());
            if (mode == null || mode == FaultMode.NONE) {
                throw new IllegalArgumentException("unknown fault mode '"
                        + part.substring(0, equals).trim() + "' (slow, silent, malformed, disconnect, wrong-key)");
            }
            double fraction;
            try {
                fraction = Double.parseDouble(part.substring(equals + 1).trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("not a fraction: " + part);
            }
            plan = plan.withFraction(mode, fraction);
        }
        return plan;
    }

    /** This plan with {@code fraction} (0..1) of the gateways in {@code mode}. */
    public FaultPlan withFraction(FaultMode mode, double fraction) {
        if (!(fraction >= 0 && fraction <= 1)) {
            throw new IllegalArgumentException("fraction of " + mode.label() + " must be 0..1: " + fraction);
        }
        Map<FaultMode, Double> copy = new EnumMap<>(FaultMode.class);
        copy.putAll(fractions);
        copy.put(mode, fraction);
        if (copy.values().stream().mapToDouble(Double::doubleValue).sum() > 1 + 1e-9) {
            throw new IllegalArgumentException("fault fractions add up to more than 1");
        }
        return new FaultPlan(copy, pinned);
    }

    /** This plan with gateway {@code index} (0-based) in {@code mode}, whatever the fractions say. */
    public FaultPlan withGateway(int index, FaultMode mode) {
        if (index < 0) {
            throw new IllegalArgumentException("gateway index must not be negative: " + index);
        }
        Map<Integer, FaultMode> copy = new TreeMap<>(pinned);
        copy.put(index, mode);
        return new FaultPlan(fractions, copy);
    }

    /** One mode per gateway, {@code gateways} of them. */
    public FaultMode[] assign(int gateways, long seed) {
        FaultMode[] modes = new FaultMode[gateways];
        Arrays.fill(modes, FaultMode.NONE);
        int free = gateways;
        for (Map.Entry<Integer, FaultMode> pin : pinned.entrySet()) {
            if (pin.getKey() >= gateways) {
                throw new IllegalArgumentException("gateway " + pin.getKey() + " pinned to "
                        + pin.getValue().label() + ", but there are only " + gateways);
            }
            modes[pin.getKey()] = pin.getValue();
            free--;
        }
        // The unpinned gateways in random order; each mode takes its share from the front.
        int[] order = new int[free];
        for (int i = 0, n = 0; i < gateways; i++) {
            if (!pinned.containsKey(i)) {
                order[n++] = i;
            }
        }
        SplittableRandom random = new SplittableRandom(seed);
        for (int i = order.length - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int swap = order[i];
            order[i] = order[j];
            order[j] = swap;
        }
        int next = 0;
        for (Map.Entry<FaultMode, Double> share : fractions.entrySet()) {
            int count = (int) Math.min(order.length - next, Math.round(share.getValue() * gateways));
            for (int i = 0; i < count; i++) {
                modes[order[next++]] = share.getKey();
            }
        }
        return modes;
    }

    @Override
    public String toString() {
        if (fractions.isEmpty() && pinned.isEmpty()) {
            return "none";
        }
        StringBuilder text = new StringBuilder();
        fractions.forEach((mode, fraction) -> text.append(text.isEmpty() ? "" : ",")
                .append(mode.label())
                .append('=')
                .append(fraction));
        pinned.forEach((index, mode) -> text.append(text.isEmpty() ? "" : ",")
                .append('#')
                .append(index)
                .append('=')
                .append(mode.label()));
        return text.toString();
    }
}
