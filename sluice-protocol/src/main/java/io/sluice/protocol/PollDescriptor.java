package io.sluice.protocol;

/**
 * POLL: the monitor asks for the statistics gathered since the gateway's last report. The gateway answers with STATS
 * carrying the same poll sequence.
 *
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +---------------------------------------------------------------+
 *  |        frame header (FrameDescriptor), type 5                 |  0
 *  +---------------------------------------------------------------+
 *  |        poll sequence: the monitor's poll cycle number         | 24
 *  |                                                               |
 *  +---------------------------------------------------------------+
 *  |        monitor time, epoch ms (lets the gateway align its     | 32
 *  |        report intervals and spot clock skew)                  |
 *  +---------------------------------------------------------------+ 40
 * </pre>
 */
public final class PollDescriptor {
    public static final int POLL_SEQUENCE_OFFSET = FrameDescriptor.HEADER_LENGTH;
    public static final int MONITOR_TIME_OFFSET = POLL_SEQUENCE_OFFSET + 8;
    public static final int FRAME_LENGTH = MONITOR_TIME_OFFSET + 8;

    private PollDescriptor() {}
}
