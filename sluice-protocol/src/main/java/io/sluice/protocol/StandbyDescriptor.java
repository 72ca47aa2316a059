package io.sluice.protocol;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * STANDBY, a standby monitor's answer to HELLO, in place of CHALLENGE: this server is not the active one, so it opens
 * no session; the gateway should go to the active monitor, whose address it names, or, when it names none (no active
 * known, a takeover under way), try again later. The monitor closes the connection once the frame is out.
 *
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +---------------------------------------------------------------+
 *  |        frame header (FrameDescriptor), type 16                |  0
 *  +---------------------------------------------------------------+
 *  |        retry after, ms: when to ask again if no active is     | 24
 *  |        named (at most AuthResultDescriptor.MAX_RETRY_AFTER)   |
 *  +-------------------------------+-------------------------------+
 *  |   address length (0..255)     |   zero                        | 28
 *  +-------------------------------+-------------------------------+
 *  |        the active monitor's gateway address, HOST:PORT        | 32
 *  |        (printable ASCII, as MonitorAddress parses it);        |
 *  |        length 0: no active known yet                          |
 *  +---------------------------------------------------------------+ 32 + address length (at most 287)
 * </pre>
 *
 * <p>It comes after HELLO and before anything else: the standby issues no challenge and keeps nothing for the
 * connection (the refusal is written from bytes prepared at start), so a standby costs a connection no more than an
 * active monitor does before authentication. Nothing on the link is authenticated when it arrives (over plaintext; with
 * TLS the monitor has proved its certificate), so it changes only where the gateway dials next: never the epoch a
 * gateway has seen, and the retry-after is clamped as AUTH_RESULT's is. Over TLS the gateway checks the named monitor's
 * certificate against the name it dials, as for any monitor.
 */
public final class StandbyDescriptor {
    public static final int RETRY_AFTER_OFFSET = FrameDescriptor.HEADER_LENGTH;
    public static final int ADDRESS_LENGTH_OFFSET = RETRY_AFTER_OFFSET + 4;
    public static final int ZERO_OFFSET = ADDRESS_LENGTH_OFFSET + 2;
    public static final int ADDRESS_OFFSET = ZERO_OFFSET + 2;
    public static final int MAX_ADDRESS_LENGTH = MonitorAddress.MAX_LENGTH;

    private StandbyDescriptor() {}

    public static int frameLength(int addressLength) {
        return ADDRESS_OFFSET + addressLength;
    }

    static boolean isWellFormed(ByteBuffer buffer, int frame, int frameLength) {
        if (frameLength < ADDRESS_OFFSET || buffer.getShort(frame + ZERO_OFFSET) != 0) {
            return false;
        }
        int addressLength = buffer.getShort(frame + ADDRESS_LENGTH_OFFSET) & 0xFFFF;
        if (addressLength > MAX_ADDRESS_LENGTH || frameLength != frameLength(addressLength)) {
            return false;
        }
        return addressLength == 0 || MonitorAddress.problem(address(buffer, frame, addressLength)) == null;
    }

    /**
     * The address bytes as text, every byte one character (anything not ASCII then fails {@link MonitorAddress}'s
     * check).
     */
    static String address(ByteBuffer buffer, int frame, int addressLength) {
        byte[] bytes = new byte[addressLength];
        buffer.get(frame + ADDRESS_OFFSET, bytes);
        return new String(bytes, StandardCharsets.ISO_8859_1);
    }
}
