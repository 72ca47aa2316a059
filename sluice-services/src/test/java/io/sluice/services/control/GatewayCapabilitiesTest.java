package io.sluice.services.control;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.protocol.Capabilities;
import org.junit.jupiter.api.Test;

class GatewayCapabilitiesTest {
    /** Every field set, each to a value of its own. */
    private static final ThrottleParams FULL = new ThrottleParams(
            7, 100, 3, 1_000, 400, 800, 50, 2_000, 5_000, 8_192, 2_500, 1 << 26, 1 << 24, 1 << 25, 1 << 20, 1 << 27);

    @Test
    void aGatewayThatEnforcesEverythingGetsEverything() {
        long all = Capabilities.SLUICE_GATEWAY | Capabilities.LATENCY_TARGET;
        assertThat(GatewayCapabilities.enforceable(FULL, all)).isEqualTo(FULL);
    }

    @Test
    void aGatewayThatEnforcesOnlyTotalsKeepsItsTotalsAndNothingElse() {
        ThrottleParams totals = GatewayCapabilities.enforceable(FULL, 0);
        assertThat(totals).isEqualTo(new ThrottleParams(7, 100, 0, 1_000, 0, 0, 0, 0, 0, 0, 0, 1 << 26, 0, 0, 0, 0));
    }

    @Test
    void eachCapabilityKeepsItsOwnFields() {
        assertThat(GatewayCapabilities.enforceable(FULL, Capabilities.BURST))
                .extracting(
                        ThrottleParams::burstIops, ThrottleParams::burstLengthMillis, ThrottleParams::burstBandwidth)
                .containsExactly(2_000L, 5_000L, (long) (1 << 27));
        assertThat(GatewayCapabilities.enforceable(FULL, Capabilities.RESERVATION))
                .extracting(ThrottleParams::reservedIops, ThrottleParams::reservedBandwidth)
                .containsExactly(50L, (long) (1 << 20));
        assertThat(GatewayCapabilities.enforceable(FULL, Capabilities.SPLIT_READ_WRITE))
                .extracting(
                        ThrottleParams::readIopsLimit,
                        ThrottleParams::writeIopsLimit,
                        ThrottleParams::readBandwidthLimit,
                        ThrottleParams::writeBandwidthLimit)
                .containsExactly(400L, 800L, (long) (1 << 24), (long) (1 << 25));
        assertThat(GatewayCapabilities.enforceable(FULL, Capabilities.SIZE_NORMALIZATION)
                        .sizeNormalizationBytes())
                .isEqualTo(8_192);
        assertThat(GatewayCapabilities.enforceable(FULL, Capabilities.LATENCY_TARGET)
                        .latencyTargetMicros())
                .isEqualTo(2_500);
        assertThat(GatewayCapabilities.enforceable(FULL, Capabilities.WEIGHT).weight())
                .isEqualTo(3);
    }

    @Test
    void aGatewayNotHeardFromIsAssumedToEnforceWhatEverySluiceGatewayAnnounces() {
        GatewayCapabilities capabilities = new GatewayCapabilities();
        assertThat(capabilities.of(41)).isEqualTo(Capabilities.SLUICE_GATEWAY);
        capabilities.announced(41, Capabilities.WEIGHT);
        assertThat(capabilities.of(41)).isEqualTo(Capabilities.WEIGHT);
        assertThat(capabilities.of(42)).isEqualTo(Capabilities.SLUICE_GATEWAY);
    }
}
