package io.sluice.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class ThrottleRefusalTest {
    private static final long GATEWAY = Capabilities.SLUICE_GATEWAY;

    static Stream<Arguments> sets() {
        return Stream.of(
                set("nothing set: no limit", GATEWAY, p -> p, null),
                set("a total limit", GATEWAY, p -> p.iopsLimit(1_000), null),
                set(
                        "a total with per-direction ceilings, as the services send an SLA's",
                        GATEWAY,
                        p -> p.iopsLimit(1_000)
                                .readIopsLimit(300)
                                .writeIopsLimit(900)
                                .bandwidthLimit(1 << 26)
                                .writeBandwidthLimit(1 << 24),
                        null),
                set(
                        "a reservation up to the limit",
                        GATEWAY,
                        p -> p.iopsLimit(500).reservedIops(500),
                        null),
                set("a reservation with no limit", GATEWAY, p -> p.reservedIops(500), null),
                set("the default weight needs no capability", 0, p -> p.weight(1), null),
                set("a latency target", GATEWAY, p -> p.latencyTargetMicros(2_000), ThrottleAckStatus.UNSUPPORTED),
                set(
                        "a latency target to a gateway that announced it",
                        GATEWAY | Capabilities.LATENCY_TARGET,
                        p -> p.latencyTargetMicros(2_000),
                        null),
                set(
                        "per-direction limits without SPLIT_READ_WRITE",
                        Capabilities.BURST,
                        p -> p.readIopsLimit(10),
                        ThrottleAckStatus.UNSUPPORTED),
                set("a burst without BURST", 0, p -> p.iopsLimit(10).burstIops(20), ThrottleAckStatus.UNSUPPORTED),
                set("a weight without WEIGHT", 0, p -> p.weight(3), ThrottleAckStatus.UNSUPPORTED),
                set(
                        "size normalization without SIZE_NORMALIZATION",
                        0,
                        p -> p.sizeNormalizationBytes(4096),
                        ThrottleAckStatus.UNSUPPORTED),
                set(
                        "a reservation above the IOPS limit",
                        GATEWAY,
                        p -> p.iopsLimit(100).reservedIops(200),
                        ThrottleAckStatus.INVALID),
                set(
                        "a reserved bandwidth above the bandwidth limit",
                        GATEWAY,
                        p -> p.bandwidthLimit(1_000).reservedBandwidth(2_000),
                        ThrottleAckStatus.INVALID),
                set("a negative bandwidth", GATEWAY, p -> p.bandwidthLimit(-1), ThrottleAckStatus.INVALID),
                set(
                        "a size normalization above 2 GiB",
                        GATEWAY,
                        p -> p.sizeNormalizationBytes(0xFFFF_FFFFL),
                        ThrottleAckStatus.INVALID),
                set(
                        "a contradiction outranks a missing capability",
                        0,
                        p -> p.iopsLimit(100).reservedIops(200).latencyTargetMicros(5),
                        ThrottleAckStatus.INVALID));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("sets")
    void refusesWhatTheGatewayCannotApply(
            String what, long capabilities, UnaryOperator<ThrottleParamsFlyweight> fill, ThrottleAckStatus expected) {
        ByteBuffer buffer = ByteBuffer.allocate(ThrottleSetDescriptor.VOLUME_RECORD_LENGTH);
        ThrottleParamsFlyweight params =
                fill.apply(new ThrottleParamsFlyweight().wrap(buffer, 0).version(1));
        assertThat(ThrottleRefusal.of(params, capabilities)).isEqualTo(expected);
    }

    private static Arguments set(
            String what, long capabilities, UnaryOperator<ThrottleParamsFlyweight> fill, ThrottleAckStatus expected) {
        return Arguments.of(what, capabilities, fill, expected);
    }
}
