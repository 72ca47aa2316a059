package io.sluice.protocol;

import java.nio.ByteBuffer;

/**
 * Parameters of {@link MailboxOpcodes#SERVICES_GATEWAY_STATE}: the monitor's view of a gateway changed.
 *
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +---------------------------------------------------------------+
 *  |        gateway id                                             |  0
 *  |                                                               |
 *  +---------------------------------------------------------------+
 *  |        at, epoch ms                                           |  8
 *  |                                                               |
 *  +-------------------------------+-------------------------------+
 *  |        state (GatewayState)   |   detail (AuthReason code, or |  16
 *  |                               |   missed polls, by state)     |
 *  +-------------------------------+-------------------------------+ 24
 * </pre>
 */
public final class GatewayStateDescriptor {
    public static final int GATEWAY_ID_OFFSET = 0;
    public static final int AT_OFFSET = 8;
    public static final int STATE_OFFSET = 16;
    public static final int DETAIL_OFFSET = 20;
    public static final int LENGTH = 24;

    /** What happened to a gateway. */
    public enum GatewayState {
        IN_SESSION(1),
        PENDING_APPROVAL(2),
        REFUSED(3),
        UNREACHABLE(4),
        REACHABLE_AGAIN(5),
        DISCONNECTED(6);

        private final int code;

        GatewayState(int code) {
            this.code = code;
        }

        public int code() {
            return code;
        }

        public static GatewayState fromCode(int code) {
            for (GatewayState s : values()) {
                if (s.code == code) {
                    return s;
                }
            }
            return null;
        }
    }

    private GatewayStateDescriptor() {}

    public static int write(ByteBuffer dst, int offset, long gatewayId, long atMillis, GatewayState state, int detail) {
        dst.putLong(offset + GATEWAY_ID_OFFSET, gatewayId);
        dst.putLong(offset + AT_OFFSET, atMillis);
        dst.putInt(offset + STATE_OFFSET, state.code());
        dst.putInt(offset + DETAIL_OFFSET, detail);
        return LENGTH;
    }
}
