package io.sluice.services.compliance;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.protocol.LatencyBuckets;
import io.sluice.services.control.ControlPartsTest;
import io.sluice.services.control.VolumeInterval;
import io.sluice.services.sla.Burst;
import io.sluice.services.sla.EffectivePolicy;
import io.sluice.services.sla.LatencyObjective;
import io.sluice.services.sla.Sla;
import java.util.List;
import org.junit.jupiter.api.Test;

class ComplianceTest {
    private static final long T0 = 1_700_000_040_000L;
    private static final Sla SLA = Sla.named("gold")
            .iopsLimit(1_000)
            .reservedIops(500)
            .burst(new Burst(2_000, 0, 5_000))
            .latency(new LatencyObjective(95, 2_000, 4_000, 5))
            .complianceTarget(0.9)
            .alertRule(new AlertRule(3, 5, Severity.CRITICAL))
            .version(1)
            .build();
    private static final EffectivePolicy POLICY = EffectivePolicy.combine(7, List.of(SLA));

    private final ComplianceJudge judge = new ComplianceJudge();
    private long now = T0;

    @Test
    void demandBelowAReservationIsNotAViolation() {
        assertThat(judge(interval(100, false, 300)).reservation()).isEqualTo(Verdict.MET);
        assertThat(judge(interval(400, true, 300)).reservation()).isEqualTo(Verdict.MISSED);
        assertThat(judge(interval(490, true, 300)).reservation())
                .as("within tolerance")
                .isEqualTo(Verdict.MET);
    }

    @Test
    void limitsAreJudgedAgainstTheBurstRateWhenThereIsOne() {
        assertThat(judge(interval(1_900, false, 300)).limit()).isEqualTo(Verdict.MET);
        assertThat(judge(interval(2_200, false, 300)).limit()).isEqualTo(Verdict.MISSED);
        EffectivePolicy noBurst = EffectivePolicy.combine(
                8, List.of(Sla.named("plain").iopsLimit(1_000).build()));
        assertThat(judge(new VolumeInterval(
                                8,
                                noBurst,
                                now,
                                1,
                                1_040,
                                0,
                                1_040,
                                0,
                                0,
                                false,
                                0,
                                0,
                                1_000,
                                exponential(1_040, 300),
                                new long[LatencyBuckets.COUNT]))
                        .limit())
                .isEqualTo(Verdict.MET);
        assertThat(judge(new VolumeInterval(
                                8,
                                noBurst,
                                now,
                                1,
                                1_100,
                                0,
                                1_100,
                                0,
                                0,
                                false,
                                0,
                                0,
                                1_000,
                                exponential(1_100, 300),
                                new long[LatencyBuckets.COUNT]))
                        .limit())
                .isEqualTo(Verdict.MISSED);
    }

    @Test
    void latencyIsJudgedPerDirectionAndNotWithoutIo() {
        assertThat(judge(interval(800, false, 300)).latency()).isEqualTo(Verdict.MET);
        assertThat(judge(interval(800, false, 1_000)).latency())
                .as("p95 = 3 x mean > 2 ms")
                .isEqualTo(Verdict.MISSED);
        assertThat(judge(interval(0, false, 300)).latency()).isEqualTo(Verdict.NOT_APPLICABLE);
    }

    @Test
    void verdictsRollUpPerMinuteAndHourAgainstTheComplianceTarget() {
        for (int i = 0; i < 120; i++) {
            judge(interval(800, false, i % 10 == 0 ? 1_000 : 300));
        }
        List<Rollup> minutes = judge.rollups(7, Rollup.Resolution.MINUTE);
        assertThat(minutes).hasSize(2);
        assertThat(minutes.getFirst().met(Dimension.LATENCY)
                        + minutes.getFirst().missed(Dimension.LATENCY))
                .isEqualTo(60);
        assertThat(minutes.getFirst().attainment(Dimension.LATENCY)).isEqualTo(0.9);
        assertThat(minutes.getFirst().compliant()).isTrue();
        Rollup hour = judge.rollups(7, Rollup.Resolution.HOUR).getFirst();
        assertThat(hour.missed(Dimension.LATENCY)).isEqualTo(12);
        assertThat(hour.met(Dimension.RESERVATION)).isEqualTo(120);
        assertThat(judge.latencyWindows(7).judged()).isEqualTo(24);
        Rollup slaHour = judge.slaRollups("gold", Rollup.Resolution.HOUR).getFirst();
        assertThat(slaHour.subject()).isEqualTo("sla gold");
        assertThat(slaHour.missed(Dimension.LATENCY)).isEqualTo(12);

        judge(interval(800, false, 1_000));
        judge(interval(800, false, 1_000));
        assertThat(judge.rollups(7, Rollup.Resolution.HOUR).getFirst().compliant())
                .isFalse();
    }

    @Test
    void alertsRaiseOnNOfMOnceAreAcknowledgedAndClear() {
        judge(interval(800, false, 1_000));
        judge(interval(800, false, 300));
        judge(interval(800, false, 1_000));
        assertThat(judge.alerts().active()).isEmpty();
        judge(interval(800, false, 1_000));
        Alert alert = judge.alerts().active().getFirst();
        assertThat(alert.dimension()).isEqualTo(Dimension.LATENCY);
        assertThat(alert.severity()).isEqualTo(Severity.CRITICAL);
        assertThat(alert.volumeId()).isEqualTo(7);

        judge(interval(800, false, 1_000));
        judge(interval(800, false, 1_000));
        assertThat(judge.alerts().active()).as("de-duplicated").containsExactly(alert);
        assertThat(alert.occurrences()).isEqualTo(3);

        assertThat(judge.alerts().acknowledge(alert.id(), "ops", 0)).isTrue();
        assertThat(judge.alerts().acknowledge(alert.id(), "ops", 0)).isFalse();
        assertThat(alert.state()).isEqualTo(Alert.State.ACKNOWLEDGED);
        assertThat(alert.acknowledgedBy()).isEqualTo("ops");

        judge(interval(800, false, 300));
        judge(interval(800, false, 300));
        assertThat(alert.active()).isTrue();
        judge(interval(800, false, 300));
        assertThat(alert.state()).isEqualTo(Alert.State.CLEARED);
        assertThat(alert.clearedAtMillis()).as("the interval that ended it").isEqualTo(now - 1_000);
        assertThat(judge.alerts().active()).isEmpty();

        for (int i = 0; i < 3; i++) {
            judge(interval(800, false, 1_000));
        }
        assertThat(judge.alerts().active())
                .singleElement()
                .satisfies(again -> assertThat(again.id()).isNotEqualTo(alert.id()));
        assertThat(judge.alerts().history()).hasSize(2);
    }

    @Test
    void unmanagedVolumesAreNotJudged() {
        judge.onInterval(
                now,
                List.of(new VolumeInterval(
                        9,
                        EffectivePolicy.unmanaged(9),
                        now,
                        1,
                        10,
                        0,
                        10,
                        0,
                        0,
                        false,
                        0,
                        0,
                        0,
                        exponential(10, 300),
                        new long[LatencyBuckets.COUNT])));
        assertThat(judge.latest(9)).isNull();
    }

    private IntervalVerdict judge(VolumeInterval interval) {
        judge.onInterval(interval.intervalEndMillis(), List.of(interval));
        now += 1_000;
        return judge.latest(interval.volumeId());
    }

    private VolumeInterval interval(long ops, boolean held, double meanMicros) {
        return new VolumeInterval(
                7,
                POLICY,
                now,
                1,
                ops,
                0,
                ops,
                ops * 4096,
                0,
                held,
                ops,
                1_000,
                1_000,
                exponential(ops, meanMicros),
                new long[LatencyBuckets.COUNT]);
    }

    private static long[] exponential(long ops, double meanMicros) {
        return ControlPartsTest.exponential(ops, meanMicros);
    }
}
