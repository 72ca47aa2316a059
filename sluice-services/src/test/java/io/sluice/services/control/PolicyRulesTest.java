package io.sluice.services.control;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.services.compliance.Alert;
import io.sluice.services.compliance.Severity;
import io.sluice.services.sla.LatencyObjective;
import io.sluice.services.sla.PriorityClass;
import io.sluice.services.sla.Sla;
import io.sluice.sim.storage.SimulatedBackend.SimVolume;
import java.time.DayOfWeek;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The policy manager's rules beyond single SLAs, driven interval by interval against the simulated backend. */
class PolicyRulesTest {
    private static final ZoneId UTC = ZoneId.of("UTC");

    @Test
    void aTimeWindowRunsPastMidnightAndFollowsItsTimeZone() {
        PolicyRule.TimeWindow night = new PolicyRule.TimeWindow(
                "night",
                Set.of(DayOfWeek.MONDAY),
                LocalTime.of(23, 0),
                LocalTime.of(1, 0),
                ZoneId.of("Europe/Paris"),
                PriorityClass.BACKGROUND,
                4);
        // Monday 23:30 and Tuesday 00:30 in Paris are inside; Tuesday 23:30 (not a listed day) and Monday 22:30 are
        // not.
        assertThat(night.activeAt(millis(2026, 11, 23, 22, 30))).isTrue();
        assertThat(night.activeAt(millis(2026, 11, 23, 23, 30))).isTrue();
        assertThat(night.activeAt(millis(2026, 11, 24, 22, 30))).isFalse();
        assertThat(night.activeAt(millis(2026, 11, 23, 21, 30))).isFalse();
    }

    @Test
    void aBackupWindowRelaxesBackgroundLimitsOnlyWhileItIsOpen() {
        // The harness starts on Tuesday 2023-11-14 22:13:20 UTC.
        ControlHarness open = backupScenario(LocalTime.of(22, 0), LocalTime.of(23, 0));
        ControlHarness closed = backupScenario(LocalTime.of(1, 0), LocalTime.of(5, 0));
        long relaxed = open.limits.get(1).getLast();
        long normal = closed.limits.get(1).getLast();
        System.out.printf("background limit inside the window %d, outside %d%n", relaxed, normal);
        assertThat(normal).isLessThanOrEqualTo(500);
        assertThat(relaxed).isGreaterThan(1_500).isLessThanOrEqualTo(2_000);
        assertThat(open.backend.volume(1).last().delivered()).isGreaterThan(1_500);
    }

    private static ControlHarness backupScenario(LocalTime start, LocalTime end) {
        ControlHarness loop = new ControlHarness(10_000, 200, 10_000, 1);
        loop.volume(1, 11, 3_000);
        loop.attach(
                1,
                Sla.named("backup")
                        .priority(PriorityClass.BACKGROUND)
                        .iopsLimit(500)
                        .build());
        loop.rules.put(new PolicyRule.TimeWindow(
                "nightly-backup", Set.of(DayOfWeek.TUESDAY), start, end, UTC, PriorityClass.BACKGROUND, 4));
        loop.run(15);
        return loop;
    }

    @Test
    void sustainedViolationThrottlesLowerClassesAboveTheirReservationsAndAlertsUntilItEnds() {
        ControlHarness loop = new ControlHarness(10_000, 200, 10_000, 3);
        SimVolume gold = loop.volume(1, 11, 1_500);
        SimVolume bronze = loop.volume(2, 12, 40_000);
        loop.attach(
                1,
                Sla.named("gold")
                        .priority(PriorityClass.CRITICAL)
                        .latency(new LatencyObjective(95, 2_000, 2_000, 5))
                        .build());
        loop.attach(
                2,
                Sla.named("bronze")
                        .priority(PriorityClass.BEST_EFFORT)
                        .reservedIops(300)
                        .build());
        loop.rules.put(new PolicyRule.OnViolation("protect-gold", "gold", 2, 3, true, true));
        int acting = 0;
        int heldAboveReservation = 0;
        for (int i = 0; i < 60; i++) {
            boolean before = loop.rules.acting("protect-gold");
            double deliveredBefore = i == 0 ? 0 : bronze.last().delivered();
            loop.run(1);
            if (before) {
                acting++;
                long limit = loop.limits.get(2).getLast();
                assertThat(limit)
                        .as("interval %d", i)
                        .isLessThanOrEqualTo(
                                (long) Math.ceil(Math.max(300, deliveredBefore * PolicyRules.THROTTLE_SHARE)) + 1)
                        .isGreaterThanOrEqualTo(300);
                heldAboveReservation++;
            }
        }
        List<Alert> policyAlerts = loop.judge.alerts().history().stream()
                .filter(a -> a.key().equals("policy:protect-gold"))
                .toList();
        System.out.printf(
                "protect-gold acted in %d intervals; alerts %d; gold p95 at the end %.0f us%n",
                acting, policyAlerts.size(), gold.last().p95Micros());
        assertThat(acting).as("the flood makes gold miss at first").isPositive();
        assertThat(heldAboveReservation).isEqualTo(acting);
        assertThat(policyAlerts).isNotEmpty();
        assertThat(policyAlerts.getFirst().severity()).isEqualTo(Severity.WARNING);
        assertThat(loop.rules.acting("protect-gold")).as("gold recovered").isFalse();
        assertThat(policyAlerts.getLast().active())
                .as("the alert cleared with the condition")
                .isFalse();
    }

    private static long millis(int year, int month, int day, int hour, int minute) {
        return ZonedDateTime.of(year, month, day, hour, minute, 0, 0, UTC)
                .toInstant()
                .toEpochMilli();
    }
}
