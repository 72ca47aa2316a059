package io.sluice.services.stats;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.sluice.protocol.IoDirection;
import io.sluice.protocol.StatsDescriptor;
import io.sluice.protocol.StatsReader;
import io.sluice.protocol.StatsWriter;
import java.nio.ByteBuffer;
import java.util.List;
import org.junit.jupiter.api.Test;

class RecentStatsTest {
    private static final long T0 = 1_700_000_000_000L;

    private final RecentStats recent = new RecentStats(RecentStats.TEN_MINUTES_AT_ONE_SECOND);
    private final StatsWriter writer = new StatsWriter();
    private final StatsReader reader = new StatsReader();

    @Test
    void keepsTheLastTenMinutesAtOneSecond() {
        for (int second = 0; second < 700; second++) {
            recent.onStats(report(41, T0 + second * 1_000L, 1_000 + second));
        }
        List<StatsPoint> all = recent.series(1, Long.MIN_VALUE, Long.MAX_VALUE);
        assertThat(all).hasSize(600);
        assertThat(all.getFirst().startMillis()).isEqualTo(T0 + 100_000);
        assertThat(all.getLast().readIops()).isEqualTo(1_699);
        assertThat(recent.series(1, T0 + 690_000, T0 + 695_000))
                .extracting(StatsPoint::readIops)
                .containsExactly(1_690.0, 1_691.0, 1_692.0, 1_693.0, 1_694.0);
        StatsPoint latest = recent.latest(1);
        assertThat(latest.readBytesPerSecond()).isEqualTo(1_699 * 4_096.0);
        assertThat((double) latest.readP95Micros()).isCloseTo(512 * Math.pow(2, 0.95), within(1.0));
    }

    @Test
    void forgetsAGatewaysRingAndTheVolumeWithItsLastGateway() {
        recent.onStats(report(41, T0, 300));
        recent.onStats(report(42, T0, 200));
        recent.forget(1, 41);
        assertThat(recent.gateways(1)).containsExactly(42L);
        assertThat(recent.latest(1).readIops()).isEqualTo(200);
        recent.forget(1, 42);
        assertThat(recent.volumeIds()).isEmpty();
        assertThat(recent.latest(1)).isNull();
        // A report kept before does not count as sent twice once its ring is gone.
        recent.onStats(report(41, T0, 300));
        assertThat(recent.duplicates()).isZero();
        assertThat(recent.latest(1).readIops()).isEqualTo(300);
    }

    @Test
    void addsUpTheGatewaysOfAVolumeAndIgnoresAReportSentTwice() {
        recent.onStats(report(41, T0, 300));
        recent.onStats(report(42, T0, 200));
        recent.onStats(report(42, T0, 200));
        assertThat(recent.duplicates()).isEqualTo(1);
        assertThat(recent.latest(1).readIops()).isEqualTo(500);
        assertThat(recent.latest(2)).isNull();
        assertThat(recent.series(2, 0, Long.MAX_VALUE)).isEmpty();
    }

    private StatsReader report(long gatewayId, long start, long readOps) {
        ByteBuffer frame = ByteBuffer.allocate(StatsDescriptor.frameLength(1));
        writer.begin(frame, 1, gatewayId, false, 1, 0, start, 1_000, 1);
        writer.volume(0)
                .volumeId(1)
                .ops(IoDirection.READ, readOps)
                .bytes(IoDirection.READ, readOps * 4_096)
                .latencyBucket(IoDirection.READ, 9, readOps);
        writer.commit();
        return reader.wrap(frame, 0);
    }
}
