package io.sluice.protocol;

/**
 * The header every frame starts with. All integers are big-endian (network order): frames cross machines, and
 * big-endian is also {@link java.nio.ByteBuffer}'s default, so a buffer nobody configured is right.
 *
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +---------------------------------------------------------------+
 *  |             frame length: header + body, in bytes             |  0
 *  +---------------+---------------+-------------------------------+
 *  |   version     |     type      |            flags              |  4
 *  +---------------+---------------+-------------------------------+
 *  |             sequence: 1 for the first frame a sender writes   |  8
 *  |             on a connection, +1 for each frame after it       |
 *  +---------------------------------------------------------------+
 *  |             gateway id (never 0)                              | 16
 *  |                                                               |
 *  +---------------------------------------------------------------+
 *  |             body: layout by type, see the type's *Descriptor  | 24
 *  +---------------------------------------------------------------+
 * </pre>
 *
 * <ul>
 *   <li><b>length</b> comes first so a reader knows how much to wait for before it looks at anything else; a receiver
 *       refuses a length above its maximum frame length as soon as the four bytes arrive, before buffering the rest.
 *       Until the sender has authenticated that maximum is {@link #HANDSHAKE_MAX_FRAME_LENGTH}.
 *   <li><b>version</b> is {@link #PROTOCOL_VERSION}; a frame of any other version is refused. The version changes
 *       whenever any layout changes.
 *   <li><b>type</b> is a {@link FrameType} code.
 *   <li><b>flags</b>: {@link #FLAG_MORE}; every other bit must be zero.
 *   <li><b>sequence</b> is counted separately in each direction of each connection. TCP neither loses nor reorders, so
 *       a gap or a repeat means a broken or hostile sender, and the receiver drops the connection. (Whether a STATS
 *       <i>report</i> was lost across reconnects is a different question, answered by the report sequence in its body.)
 *   <li><b>gateway id</b> names the gateway the connection belongs to, in both directions, so a frame handed on as it
 *       is (to a mailbox, to a log) still says whose it is. It is the same in every frame of a connection.
 * </ul>
 */
public final class FrameDescriptor {
    /** 4: THROTTLE_SET and AUTH_RESULT carry the fencing epoch; STANDBY. */
    public static final int PROTOCOL_VERSION = 4;

    public static final int LENGTH_OFFSET = 0;
    public static final int VERSION_OFFSET = 4;
    public static final int TYPE_OFFSET = 5;
    public static final int FLAGS_OFFSET = 6;
    public static final int SEQUENCE_OFFSET = 8;
    public static final int GATEWAY_ID_OFFSET = 16;
    public static final int HEADER_LENGTH = 24;

    /** The report continues in the next frame of the same type (only STATS, when a report outgrows a frame). */
    public static final int FLAG_MORE = 1;

    public static final int KNOWN_FLAGS = FLAG_MORE;

    /**
     * Before the peer has authenticated, a receiver takes only the handshake's frames ({@link FrameType#isHandshake()})
     * and none longer than this, so a connection that has proved nothing costs at most this much buffer. Every
     * handshake frame fits: HELLO no longer carries the volumes (VOLUMES does, after AUTH_RESULT ACCEPTED).
     */
    public static final int HANDSHAKE_MAX_FRAME_LENGTH = 1024;
    /** A receiver's maximum frame length unless configured: room for a STATS report of 3,400 volumes. */
    public static final int DEFAULT_MAX_FRAME_LENGTH = 1 << 20;
    /** No receiver accepts more than this, whatever it is configured to. */
    public static final int MAX_FRAME_LENGTH_LIMIT = 16 << 20;

    private FrameDescriptor() {}
}
