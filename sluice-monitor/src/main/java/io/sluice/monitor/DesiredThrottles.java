package io.sluice.monitor;

import io.sluice.protocol.ThrottleSetDescriptor;
import io.sluice.protocol.ThrottleSetWriter;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The newest parameter set the services sent for each volume of each gateway, so a gateway that registers (again) gets
 * every volume's parameters, not only those of the last THROTTLE_SET: the services send changed volumes only, in frames
 * that fit a mailbox slot. Replayed as frames of at most {@code volumesPerFrame} sets, so each fits the outbound
 * thread's buffer however many volumes a gateway has. Called from the mailbox handler (record) and the inbound threads
 * (frames); synchronized.
 */
final class DesiredThrottles {
    private final int volumesPerFrame;
    private final ThrottleSetWriter writer = new ThrottleSetWriter();
    private final Map<Long, TreeMap<Integer, byte[]>> byGateway = new HashMap<>();

    DesiredThrottles(int volumesPerFrame) {
        this.volumesPerFrame = volumesPerFrame;
    }

    /** Keeps each set of a well-formed THROTTLE_SET frame unless a newer version of its volume is kept already. */
    synchronized void record(long gatewayId, byte[] frame) {
        ByteBuffer b = ByteBuffer.wrap(frame);
        int count = b.getInt(ThrottleSetDescriptor.VOLUME_COUNT_OFFSET);
        TreeMap<Integer, byte[]> volumes = byGateway.computeIfAbsent(gatewayId, id -> new TreeMap<>());
        for (int i = 0; i < count; i++) {
            int at = ThrottleSetDescriptor.volumeOffset(i);
            int volumeId = b.getInt(at + ThrottleSetDescriptor.VOLUME_ID_OFFSET);
            long version = b.getLong(at + ThrottleSetDescriptor.VERSION_OFFSET);
            byte[] kept = volumes.get(volumeId);
            if (kept == null || ByteBuffer.wrap(kept).getLong(ThrottleSetDescriptor.VERSION_OFFSET) <= version) {
                byte[] set = new byte[ThrottleSetDescriptor.VOLUME_RECORD_LENGTH];
                b.get(at, set);
                volumes.put(volumeId, set);
            }
        }
    }

    /**
     * Forgets the sets of the gateway's volumes that are not among {@code declaredIds} (sorted): a volume it no longer
     * serves gets new parameters from the services if it comes back, and a gateway that cycles through volume after
     * volume does not grow this map.
     */
    synchronized void retain(long gatewayId, int[] declaredIds) {
        TreeMap<Integer, byte[]> volumes = byGateway.get(gatewayId);
        if (volumes == null) {
            return;
        }
        volumes.keySet().removeIf(volumeId -> Arrays.binarySearch(declaredIds, volumeId) < 0);
        if (volumes.isEmpty()) {
            byGateway.remove(gatewayId);
        }
    }

    /** THROTTLE_SET frames carrying every kept set of the gateway (sequence and command id left to the sender). */
    synchronized List<byte[]> frames(long gatewayId) {
        TreeMap<Integer, byte[]> volumes = byGateway.get(gatewayId);
        List<byte[]> frames = new ArrayList<>();
        if (volumes == null) {
            return frames;
        }
        List<byte[]> sets = new ArrayList<>(volumes.values());
        for (int from = 0; from < sets.size(); from += volumesPerFrame) {
            int count = Math.min(volumesPerFrame, sets.size() - from);
            ByteBuffer frame = ByteBuffer.allocate(ThrottleSetDescriptor.frameLength(count));
            writer.begin(frame, 0, gatewayId, 0, count);
            for (int i = 0; i < count; i++) {
                frame.put(ThrottleSetDescriptor.volumeOffset(i), sets.get(from + i));
            }
            writer.commit();
            frames.add(frame.array());
        }
        return frames;
    }
}
