package io.sluice.monitor;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.protocol.ThrottleSetDescriptor;
import io.sluice.protocol.ThrottleSetReader;
import io.sluice.protocol.ThrottleSetWriter;
import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What a gateway gets when it registers again: every volume's newest set, in frames that fit a slot. */
class DesiredThrottlesTest {
    private static final long GATEWAY = 7;

    private static int frameLength(int volumes) {
        return ThrottleSetDescriptor.VOLUMES_OFFSET + ThrottleSetDescriptor.VOLUME_RECORD_LENGTH * volumes;
    }

    private static byte[] set(int firstVolume, int count, long version, long iops) {
        ByteBuffer frame = ByteBuffer.allocate(frameLength(count));
        ThrottleSetWriter writer = new ThrottleSetWriter();
        writer.begin(frame, 1, GATEWAY, 99, count);
        for (int i = 0; i < count; i++) {
            writer.volume(i).volumeId(firstVolume + i).version(version).iopsLimit(iops);
        }
        writer.commit();
        return frame.array();
    }

    private static Map<Integer, long[]> replay(List<byte[]> frames) {
        Map<Integer, long[]> byVolume = new HashMap<>();
        ThrottleSetReader reader = new ThrottleSetReader();
        for (byte[] frame : frames) {
            reader.wrap(ByteBuffer.wrap(frame), 0);
            for (int i = 0; i < reader.volumeCount(); i++) {
                var v = reader.volume(i);
                assertThat(byVolume.put(v.volumeId(), new long[] {v.version(), v.iopsLimit()}))
                        .isNull();
            }
        }
        return byVolume;
    }

    @Test
    void everyVolumeOfEverySetIsReplayedNotOnlyTheLastSet() {
        DesiredThrottles desired = new DesiredThrottles(44);
        desired.record(GATEWAY, set(1, 44, 10, 100));
        desired.record(GATEWAY, set(45, 44, 10, 100));
        desired.record(GATEWAY, set(89, 12, 10, 100));
        desired.record(GATEWAY, set(5, 1, 11, 500));
        List<byte[]> frames = desired.frames(GATEWAY);
        assertThat(frames).hasSize(3).allSatisfy(f -> assertThat(f.length).isLessThanOrEqualTo(frameLength(44)));
        Map<Integer, long[]> volumes = replay(frames);
        assertThat(volumes).hasSize(100);
        assertThat(volumes.get(5)).containsExactly(11, 500);
        assertThat(volumes.get(6)).containsExactly(10, 100);
        assertThat(desired.frames(GATEWAY + 1)).isEmpty();
    }

    @Test
    void setsOfVolumesTheGatewayNoLongerDeclaresAreForgotten() {
        DesiredThrottles desired = new DesiredThrottles(44);
        desired.record(GATEWAY, set(1, 10, 10, 100));
        desired.retain(GATEWAY, new int[] {2, 5, 11});
        assertThat(replay(desired.frames(GATEWAY))).containsOnlyKeys(2, 5);
        desired.retain(GATEWAY, new int[0]);
        assertThat(desired.frames(GATEWAY)).isEmpty();
        desired.retain(GATEWAY + 1, new int[] {1});
        assertThat(desired.frames(GATEWAY + 1)).isEmpty();
    }

    @Test
    void anOlderVersionDoesNotReplaceANewerOne() {
        DesiredThrottles desired = new DesiredThrottles(44);
        desired.record(GATEWAY, set(1, 1, 20, 300));
        desired.record(GATEWAY, set(1, 1, 19, 900));
        assertThat(replay(desired.frames(GATEWAY)).get(1)).containsExactly(20, 300);
    }
}
