package io.sluice.services.control;

import io.sluice.services.compliance.Alerts;
import io.sluice.services.compliance.IntervalVerdict;
import io.sluice.services.compliance.Severity;
import io.sluice.services.sla.EffectivePolicy;
import io.sluice.services.sla.Limits;
import io.sluice.services.sla.PriorityClass;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntFunction;

/**
 * The policy manager's rules beyond single SLAs ({@link PolicyRule}), applied by the analyzer when it sets each
 * volume's IOPS ceiling ({@link #adjustLimit}) and fed, after each interval, the verdicts the compliance judge reached
 * ({@link #onInterval}). A rule changed takes effect at the next interval, as an SLA edit does. Single-threaded, on the
 * analyzer's thread.
 */
public final class PolicyRules implements IntervalObserver {
    /** Each interval a lower class is held back to this share of what it delivered. */
    static final double THROTTLE_SHARE = 0.7;

    private final IntFunction<IntervalVerdict> verdicts;
    private final Alerts alerts;
    private final Map<String, PolicyRule> rules = new LinkedHashMap<>();
    /** Per ON_VIOLATION rule: whether each of its recent intervals missed, newest last. */
    private final Map<String, ArrayList<Boolean>> history = new HashMap<>();
    /** ON_VIOLATION rules in force now, with the class of the SLA they protect. */
    private final Map<String, PriorityClass> violated = new HashMap<>();

    private final List<PolicyRule.TimeWindow> openWindows = new ArrayList<>();
    private List<PolicyClassHold> holds = List.of();
    private long evaluatedAt = Long.MIN_VALUE;

    /**
     * @param verdicts the judge's latest verdict of a volume (null when it has none)
     * @param alerts where ALERT actions are raised and cleared
     */
    public PolicyRules(IntFunction<IntervalVerdict> verdicts, Alerts alerts) {
        this.verdicts = verdicts;
        this.alerts = alerts;
    }

    /** Rules that never act: for an analyzer run without a policy manager. */
    public static PolicyRules none() {
        return new PolicyRules(id -> null, new Alerts());
    }

    public void put(PolicyRule rule) {
        evaluatedAt = Long.MIN_VALUE;
        rules.put(rule.name(), rule);
        history.remove(rule.name());
        violated.remove(rule.name());
    }

    public void remove(String name, long now) {
        evaluatedAt = Long.MIN_VALUE;
        rules.remove(name);
        history.remove(name);
        if (violated.remove(name) != null) {
            alerts.clear(alertKey(name), now);
        }
    }

    public List<PolicyRule> all() {
        return List.copyOf(rules.values());
    }

    /** True when the ON_VIOLATION rule {@code name} is acting now. */
    public boolean acting(String name) {
        return violated.containsKey(name);
    }

    /**
     * The IOPS ceiling of a volume for the coming interval: its SLA's {@code limit} (0 = none) widened by the time
     * windows open now, then held back while a higher class's SLA is violated.
     */
    public long adjustLimit(EffectivePolicy policy, long limit, double deliveredIops, long now) {
        if (rules.isEmpty()) {
            return limit;
        }
        if (now != evaluatedAt) {
            // Once per interval, not once per volume: which windows are open, which holds are on.
            evaluatedAt = now;
            openWindows.clear();
            for (PolicyRule rule : rules.values()) {
                if (rule instanceof PolicyRule.TimeWindow window && window.activeAt(now)) {
                    openWindows.add(window);
                }
            }
            holds = holds();
        }
        long adjusted = limit;
        for (PolicyRule.TimeWindow window : openWindows) {
            if (limit > 0 && window.appliesTo() == policy.priority()) {
                adjusted = Math.max(1, (long) Math.ceil(adjusted * window.iopsLimitFactor()));
            }
        }
        for (PolicyClassHold hold : holds) {
            if (hold.protectedClass().above(policy.priority())) {
                long held = Math.max(Math.max(1, policy.reservedIops()), (long) (deliveredIops * THROTTLE_SHARE));
                adjusted = Limits.min(adjusted, held);
            }
        }
        return adjusted;
    }

    private record PolicyClassHold(PriorityClass protectedClass) {}

    private List<PolicyClassHold> holds() {
        List<PolicyClassHold> holds = new ArrayList<>();
        for (Map.Entry<String, PriorityClass> entry : violated.entrySet()) {
            if (rules.get(entry.getKey()) instanceof PolicyRule.OnViolation rule && rule.throttleLowerClasses()) {
                holds.add(new PolicyClassHold(entry.getValue()));
            }
        }
        return holds;
    }

    @Override
    public void onInterval(long now, List<VolumeInterval> volumes) {
        for (PolicyRule rule : rules.values()) {
            if (!(rule instanceof PolicyRule.OnViolation onViolation)) {
                continue;
            }
            boolean judged = false;
            boolean missed = false;
            PriorityClass slaClass = null;
            for (VolumeInterval interval : volumes) {
                if (!appliesTo(interval.policy(), onViolation.sla())) {
                    continue;
                }
                IntervalVerdict verdict = verdicts.apply(interval.volumeId());
                if (verdict == null || verdict.intervalEndMillis() != now) {
                    continue;
                }
                judged = true;
                missed |= !verdict.met();
                PriorityClass priority = interval.policy().priority();
                slaClass = slaClass == null || priority.above(slaClass) ? priority : slaClass;
            }
            if (!judged) {
                continue;
            }
            ArrayList<Boolean> recent = history.computeIfAbsent(rule.name(), n -> new ArrayList<>());
            recent.add(missed);
            while (recent.size() > onViolation.window()) {
                recent.removeFirst();
            }
            int misses = (int) recent.stream().filter(m -> m).count();
            evaluatedAt = Long.MIN_VALUE;
            if (misses >= onViolation.after()) {
                if (violated.put(rule.name(), slaClass) == null && onViolation.alert()) {
                    alerts.raise(
                            alertKey(rule.name()),
                            Severity.WARNING,
                            "policy " + rule.name() + ": SLA " + onViolation.sla() + " missed in " + misses
                                    + " of the last " + recent.size() + " intervals",
                            now);
                }
            } else if (!missed && violated.remove(rule.name()) != null) {
                alerts.clear(alertKey(rule.name()), now);
            }
        }
    }

    private static String alertKey(String ruleName) {
        return "policy:" + ruleName;
    }

    private static boolean appliesTo(EffectivePolicy policy, String slaName) {
        for (String source : policy.sources()) {
            if (source.substring(0, source.lastIndexOf('@')).equals(slaName)) {
                return true;
            }
        }
        return false;
    }
}
