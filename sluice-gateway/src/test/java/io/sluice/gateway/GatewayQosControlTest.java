package io.sluice.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.gateway.qos.QosControl;
import io.sluice.gateway.qos.QosParameters;
import io.sluice.gateway.qos.QosSetting;
import io.sluice.gateway.qos.QosStatus;
import io.sluice.gateway.stats.VolumeStats;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What the monitor link will call: QoS by export name or id, and statistics snapshots. */
class GatewayQosControlTest {
    @TempDir
    Path dir;

    @Test
    void parametersAreAppliedByNameOrIdOnceAndReadBack() throws Exception {
        Tools.emptyFile(dir, "a.img", 1 << 20);
        Tools.emptyFile(dir, "b.img", 1 << 20);
        try (Gateway gateway = Gateway.start(
                GatewayContext.parse("127.0.0.1:0", "a=" + dir.resolve("a.img"), "b=" + dir.resolve("b.img")))) {
            QosControl qos = gateway.qos();
            assertThat(qos.current("a")).isEqualTo(new QosSetting(0, QosParameters.UNLIMITED));
            QosParameters limited = QosParameters.iopsLimit(100);
            assertThat(qos.apply("a", 1, limited)).isEqualTo(QosStatus.APPLIED);
            assertThat(qos.apply("a", 1, limited)).isEqualTo(QosStatus.UNCHANGED);
            assertThat(qos.apply(1, 5, limited)).isEqualTo(QosStatus.APPLIED);
            assertThat(qos.apply(1, 4, QosParameters.UNLIMITED)).isEqualTo(QosStatus.STALE);
            assertThat(qos.apply("c", 1, limited)).isEqualTo(QosStatus.NO_SUCH_VOLUME);
            assertThat(qos.apply(2, 1, limited)).isEqualTo(QosStatus.NO_SUCH_VOLUME);
            assertThat(qos.current("b")).isEqualTo(new QosSetting(5, limited));
            assertThat(qos.current(0)).isEqualTo(new QosSetting(1, limited));
            assertThat(qos.current("c")).isNull();

            List<VolumeStats> stats = gateway.stats();
            assertThat(stats).extracting(VolumeStats::name).containsExactly("a", "b");
            assertThat(stats).extracting(VolumeStats::qosVersion).containsExactly(1L, 5L);
            assertThat(stats.getFirst().capacityBytes()).isPositive();
            assertThat(stats.getFirst().read().ops()).isZero();
        }
    }

    @Test
    void anUnthrottledGatewayHasNoQosToApply() throws Exception {
        Tools.emptyFile(dir, "a.img", 1 << 20);
        try (Gateway gateway =
                Gateway.start(GatewayContext.parse("--unthrottled", "127.0.0.1:0", "a=" + dir.resolve("a.img")))) {
            assertThat(gateway.qos().apply("a", 1, QosParameters.iopsLimit(100)))
                    .isEqualTo(QosStatus.UNTHROTTLED);
            assertThat(gateway.qos().current("a")).isNull();
            assertThat(gateway.stats()).extracting(VolumeStats::qosVersion).containsExactly(0L);
        }
    }
}
