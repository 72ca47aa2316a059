package io.sluice.services.sla;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.sluice.services.capacity.CapacityView;
import io.sluice.services.compliance.AlertRule;
import io.sluice.services.compliance.Severity;
import io.sluice.services.inventory.BackendProfile;
import io.sluice.services.inventory.Inventory;
import io.sluice.services.inventory.VolumePlacement;
import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/** Every rule an SLA must keep, each broken on its own, with the field and rule the error names. */
class SlaValidationTest {
    private static final Sla VALID =
            Sla.named("valid").iopsLimit(5_000).reservedIops(1_000).build();

    private final Inventory inventory = new Inventory()
            .addBackend(new BackendProfile("b1", 10_000, 200))
            .place(new VolumePlacement(1, "b1", List.of(Scope.tenant("acme")), 1L << 40))
            .place(new VolumePlacement(2, "b1", List.of(Scope.tenant("acme")), 1L << 40))
            .place(new VolumePlacement(3, "b1", List.of(), 1L << 38));
    private final PolicyBook book = new PolicyBook(inventory, CapacityView.nominal(inventory));

    @Test
    void aValidSlaHasNoErrors() {
        assertThat(SlaValidator.check(VALID)).isEmpty();
    }

    @Test
    void eachRuleIsReportedWithTheFieldItConcerns() {
        assertBreaks(b -> b.iopsLimit(1_000).reservedIops(2_000), "reservedIops", SlaRule.RESERVATION_WITHIN_LIMIT);
        assertBreaks(
                b -> b.bandwidthLimit(100).reservedBandwidth(200),
                "reservedBandwidth",
                SlaRule.RESERVATION_WITHIN_LIMIT);
        assertBreaks(
                b -> b.iops(Limits.readWrite(300, 300)).reservedIops(700),
                "reservedIops",
                SlaRule.RESERVATION_WITHIN_LIMIT);
        assertBreaks(b -> b.iopsLimit(1L << 32), "iops.total", SlaRule.WIRE_RANGE);
        assertBreaks(b -> b.weight(0), "weight", SlaRule.WEIGHT_RANGE);
        assertBreaks(b -> b.weight(10_001), "weight", SlaRule.WEIGHT_RANGE);
        assertBreaks(b -> b.priority(null), "priority", SlaRule.CLASS_REQUIRED);
        assertBreaks(b -> b.iops(new Limits(1_000, 2_000, 0)), "iops.read", SlaRule.DIRECTION_WITHIN_TOTAL);
        assertBreaks(b -> b.iops(new Limits(-1, 0, 0)).reservedIops(0), "iops.total", SlaRule.NOT_NEGATIVE);
        assertBreaks(b -> b.burst(new Burst(4_000, 0, 1_000)), "burst.iops", SlaRule.BURST_ABOVE_LIMIT);
        assertBreaks(b -> b.burst(new Burst(9_000, 0, 0)), "burst.lengthMillis", SlaRule.BURST_LENGTH_REQUIRED);
        assertBreaks(
                b -> b.sizeNormalization(3_000), "sizeNormalizationBytes", SlaRule.SIZE_NORMALIZATION_POWER_OF_TWO);
        assertBreaks(
                b -> b.latency(new LatencyObjective(100, 1_000, 0, 10)),
                "latency.percentile",
                SlaRule.PERCENTILE_RANGE);
        assertBreaks(
                b -> b.latency(new LatencyObjective(99, 1_000, 0, 0)),
                "latency.windowIntervals",
                SlaRule.LATENCY_WINDOW_REQUIRED);
        assertBreaks(
                b -> b.scaling(new CapacityScaling(100, 9_000, CapacityScaling.Basis.USED)),
                "scaling.minimumIops",
                SlaRule.SCALING_MINIMUM_WITHIN_LIMIT);
        assertBreaks(b -> b.complianceTarget(1.5), "complianceTarget", SlaRule.COMPLIANCE_TARGET_RANGE);
        assertBreaks(b -> b.alertRule(new AlertRule(6, 5, Severity.WARNING)), "alertRule", SlaRule.ALERT_RULE_N_OF_M);
        assertThat(SlaValidator.check(Sla.named(" ").build()))
                .extracting(SlaError::rule)
                .containsExactly(SlaRule.NAME_REQUIRED);
    }

    @Test
    void everyBrokenRuleIsReportedNotOnlyTheFirst() {
        Sla bad = Sla.named("bad")
                .iopsLimit(100)
                .reservedIops(200)
                .weight(0)
                .complianceTarget(0)
                .build();
        assertThat(SlaValidator.check(bad))
                .extracting(SlaError::rule)
                .containsExactlyInAnyOrder(
                        SlaRule.RESERVATION_WITHIN_LIMIT, SlaRule.WEIGHT_RANGE, SlaRule.COMPLIANCE_TARGET_RANGE);
    }

    @Test
    void admissionControlRefusesReservationsThatDoNotFitTheBackend() {
        book.attach(Scope.volume(1), Sla.named("first").reservedIops(5_000).build());
        SlaRejectedException refused = catchThrowableOfType(
                SlaRejectedException.class,
                () -> book.attach(
                        Scope.volume(2), Sla.named("second").reservedIops(4_500).build()));
        assertThat(refused.errors()).singleElement().satisfies(error -> {
            assertThat(error.field()).isEqualTo("reservedIops");
            assertThat(error.rule()).isEqualTo(SlaRule.ADMISSION_CAPACITY);
            assertThat(error.detail()).contains("b1", "9500", "9000");
        });
        assertThat(book.attached(Scope.volume(2)))
                .as("a refused SLA leaves the book as it was")
                .isNull();
        book.attach(Scope.volume(2), Sla.named("second").reservedIops(4_000).build());
    }

    @Test
    void admissionControlCountsAGroupSlaForEveryMember() {
        assertThatThrownBy(() -> book.attach(
                        Scope.tenant("acme"),
                        Sla.named("tenant").reservedIops(5_000).build()))
                .isInstanceOfSatisfying(
                        SlaRejectedException.class,
                        e -> assertThat(e.breaks(SlaRule.ADMISSION_CAPACITY)).isTrue());
    }

    @Test
    void aPolicyThatCanNeverBeMetIsRefused() {
        assertThatThrownBy(() -> book.attach(
                        Scope.volume(1),
                        Sla.named("too-fast")
                                .latency(new LatencyObjective(99, 100, 0, 10))
                                .build()))
                .isInstanceOfSatisfying(SlaRejectedException.class, e -> {
                    assertThat(e.breaks(SlaRule.LATENCY_BELOW_BACKEND_FLOOR)).isTrue();
                    assertThat(e.errors().getFirst().field()).isEqualTo("latency.readMicros");
                });
        CapacityScaling perTib = new CapacityScaling(1_000, 100, CapacityScaling.Basis.ALLOCATED);
        assertThatThrownBy(() -> book.attach(
                        Scope.volume(3),
                        Sla.named("small").scaling(perTib).reservedIops(800).build()))
                .isInstanceOfSatisfying(
                        SlaRejectedException.class,
                        e -> assertThat(e.breaks(SlaRule.RESERVATION_ABOVE_SCALED_LIMIT))
                                .isTrue());
    }

    @Test
    void editsGetTheNextVersionAndRevision() {
        assertThat(book.attach(Scope.volume(1), VALID).version()).isEqualTo(1);
        long revision = book.revision();
        assertThat(book.attach(
                                Scope.volume(1),
                                VALID.toBuilder().iopsLimit(4_000).build())
                        .version())
                .isEqualTo(2);
        assertThat(book.revision()).isEqualTo(revision + 1);
        assertThat(book.effective(1).sources()).containsExactly("valid@2");
        assertThat(book.detach(Scope.volume(1))).isTrue();
        assertThat(book.effective(1).isManaged()).isFalse();
    }

    @Test
    void groupThenVolumeWithTheMostStringentLimitWinning() {
        book.attach(
                Scope.tenant("acme"),
                Sla.named("tenant")
                        .iops(new Limits(4_000, 3_000, 0))
                        .bandwidthLimit(100_000_000)
                        .latency(new LatencyObjective(95, 5_000, 8_000, 10))
                        .priority(PriorityClass.BEST_EFFORT)
                        .weight(50)
                        .build());
        book.attach(
                Scope.volume(1),
                Sla.named("volume")
                        .iopsLimit(6_000)
                        .reservedIops(500)
                        .latency(new LatencyObjective(99, 10_000, 2_000, 5))
                        .priority(PriorityClass.CRITICAL)
                        .weight(400)
                        .build());
        EffectivePolicy volume = book.effective(1);
        assertThat(volume.sources()).containsExactly("tenant@1", "volume@1");
        assertThat(volume.iops()).isEqualTo(new Limits(4_000, 3_000, 0));
        assertThat(volume.bandwidth().total()).isEqualTo(100_000_000);
        assertThat(volume.latency()).isEqualTo(new LatencyObjective(99, 5_000, 2_000, 5));
        assertThat(volume.reservedIops()).isEqualTo(500);
        assertThat(volume.priority()).isEqualTo(PriorityClass.CRITICAL);
        assertThat(volume.weight()).isEqualTo(400);
        EffectivePolicy sibling = book.effective(2);
        assertThat(sibling.sources()).containsExactly("tenant@1");
        assertThat(sibling.priority()).isEqualTo(PriorityClass.BEST_EFFORT);
        assertThat(book.effective(3).isManaged()).isFalse();
    }

    private static void assertBreaks(UnaryOperator<Sla.Builder> change, String field, SlaRule rule) {
        List<SlaError> errors =
                SlaValidator.check(change.apply(VALID.toBuilder()).build());
        assertThat(errors).as("%s %s", field, rule).anySatisfy(error -> {
            assertThat(error.field()).isEqualTo(field);
            assertThat(error.rule()).isEqualTo(rule);
        });
    }
}
