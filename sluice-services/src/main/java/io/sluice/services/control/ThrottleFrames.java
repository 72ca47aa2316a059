package io.sluice.services.control;

import io.sluice.protocol.ThrottleSetWriter;
import java.nio.ByteBuffer;
import java.util.List;

/** Writes a gateway's changed parameter sets as one THROTTLE_SET frame, ready for MONITOR_THROTTLE_SET. */
public final class ThrottleFrames {
    private final ThrottleSetWriter writer = new ThrottleSetWriter();

    /**
     * Writes the frame at {@code dst}'s position and moves past it.
     *
     * @return the frame's length, or 0 (nothing written) when it does not fit
     */
    public int write(ByteBuffer dst, long sequence, long gatewayId, long commandId, List<ThrottleParams> sets) {
        if (!writer.begin(dst, sequence, gatewayId, commandId, sets.size())) {
            return 0;
        }
        for (int i = 0; i < sets.size(); i++) {
            sets.get(i).writeTo(writer.volume(i));
        }
        return writer.commit();
    }
}
