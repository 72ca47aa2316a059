package io.sluice.protocol;

/**
 * HEARTBEAT: sent by either side when it has sent nothing else for a while, so the other side can tell a quiet peer
 * from a dead one. Echoing the peer's last timestamp gives each side the round-trip time without a separate request.
 *
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +---------------------------------------------------------------+
 *  |        frame header (FrameDescriptor), type 9                 |  0
 *  +---------------------------------------------------------------+
 *  |        sent at: sender's clock, epoch ms                      | 24
 *  |                                                               |
 *  +---------------------------------------------------------------+
 *  |        echo: "sent at" of the last HEARTBEAT received from    | 32
 *  |        the peer, 0 if none                                    |
 *  +---------------------------------------------------------------+ 40
 * </pre>
 */
public final class HeartbeatDescriptor {
    public static final int SENT_AT_OFFSET = FrameDescriptor.HEADER_LENGTH;
    public static final int ECHO_OFFSET = SENT_AT_OFFSET + 8;
    public static final int FRAME_LENGTH = ECHO_OFFSET + 8;

    private HeartbeatDescriptor() {}
}
