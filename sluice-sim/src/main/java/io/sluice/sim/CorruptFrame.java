package io.sluice.sim;

import io.sluice.protocol.FrameDescriptor;
import io.sluice.protocol.HeartbeatDescriptor;
import io.sluice.protocol.HeartbeatWriter;
import io.sluice.protocol.PollWriter;
import io.sluice.protocol.StatsDescriptor;
import io.sluice.protocol.StatsWriter;
import java.nio.ByteBuffer;
import java.util.SplittableRandom;

/**
 * The kinds of broken frame a {@link FaultMode#MALFORMED} gateway sends, one per session, taking them in turn so that a
 * monitor meets each of its decoder's refusals. Each is written whole into the output buffer (which the caller has
 * checked has room for {@link #MAX_LENGTH} bytes); none may advance the sender's sequence, since the connection is over
 * once it is sent.
 */
enum CorruptFrame {
    /** Random bytes whose "length" is far above any maximum: refused as OVERSIZE after four bytes. */
    GARBAGE {
        @Override
        void write(ByteBuffer out, long sequence, long gatewayId, SplittableRandom random) {
            for (int i = 0; i < 64; i++) {
                out.put((byte) random.nextInt(256));
            }
            out.put(out.position() - 64, (byte) 0x7F);
        }
    },
    /** A HEARTBEAT of a protocol version nobody speaks. */
    WRONG_VERSION {
        @Override
        void write(ByteBuffer out, long sequence, long gatewayId, SplittableRandom random) {
            int start = out.position();
            new HeartbeatWriter().write(out, sequence, gatewayId, 0, 0);
            out.put(start + FrameDescriptor.VERSION_OFFSET, (byte) (FrameDescriptor.PROTOCOL_VERSION + 100));
        }
    },
    /** A HEARTBEAT whose sequence skips ahead, as if frames had been lost on the way. */
    SEQUENCE_GAP {
        @Override
        void write(ByteBuffer out, long sequence, long gatewayId, SplittableRandom random) {
            new HeartbeatWriter().write(out, sequence + 7, gatewayId, 0, 0);
        }
    },
    /** A STATS whose volume count does not match its length. */
    BAD_BODY {
        @Override
        void write(ByteBuffer out, long sequence, long gatewayId, SplittableRandom random) {
            int start = out.position();
            StatsWriter stats = new StatsWriter();
            stats.begin(out, sequence, gatewayId, false, 1, 1, 0, 1000, 0);
            stats.commit();
            out.putInt(start + StatsDescriptor.VOLUME_COUNT_OFFSET, 5);
        }
    },
    /** A POLL, which only a monitor may send. */
    WRONG_SENDER {
        @Override
        void write(ByteBuffer out, long sequence, long gatewayId, SplittableRandom random) {
            new PollWriter().write(out, sequence, gatewayId, 1, 0);
        }
    },
    /** Half a HEARTBEAT, then the gateway shuts its side down: the stream ends inside a frame. */
    TRUNCATED {
        @Override
        void write(ByteBuffer out, long sequence, long gatewayId, SplittableRandom random) {
            int start = out.position();
            new HeartbeatWriter().write(out, sequence, gatewayId, 0, 0);
            out.position(start + HeartbeatDescriptor.FRAME_LENGTH / 2);
        }

        @Override
        boolean endsStream() {
            return true;
        }
    };

    static final int MAX_LENGTH = Math.max(64, StatsDescriptor.frameLength(0));
    private static final CorruptFrame[] ALL = values();

    abstract void write(ByteBuffer out, long sequence, long gatewayId, SplittableRandom random);

    /** The sender shuts its output down after this one. */
    boolean endsStream() {
        return false;
    }

    /** The kind a gateway sends in its {@code session}-th session. */
    static CorruptFrame forSession(int gatewayIndex, long session) {
        return ALL[(int) ((gatewayIndex + session) % ALL.length)];
    }
}
