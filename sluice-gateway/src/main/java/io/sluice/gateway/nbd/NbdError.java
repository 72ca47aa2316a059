package io.sluice.gateway.nbd;

import java.nio.charset.StandardCharsets;

/**
 * Error values of the transmission phase. They happen to equal Linux errno values, but the protocol restricts the set;
 * backends map every failure onto one of these. 0 means success.
 */
public final class NbdError {
    public static final int OK = 0;
    public static final int EPERM = 1;
    public static final int EIO = 5;
    public static final int ENOMEM = 12;
    public static final int EINVAL = 22;
    public static final int ENOSPC = 28;
    public static final int EOVERFLOW = 75;
    public static final int ENOTSUP = 95;
    public static final int ESHUTDOWN = 108;

    private static final byte[] NO_MESSAGE = new byte[0];
    private static final byte[][] MESSAGES = new byte[128][];

    static {
        MESSAGES[EPERM] = ascii("export is read-only");
        MESSAGES[EIO] = ascii("backend I/O error");
        MESSAGES[ENOMEM] = ascii("out of memory");
        MESSAGES[EINVAL] = ascii("invalid request");
        MESSAGES[ENOSPC] = ascii("beyond the end of the export");
        MESSAGES[EOVERFLOW] = ascii("request too large");
        MESSAGES[ENOTSUP] = ascii("not supported");
        MESSAGES[ESHUTDOWN] = ascii("gateway shutting down");
    }

    private NbdError() {}

    /** A short message for structured error chunks; shared arrays, so nothing is allocated per reply. */
    public static byte[] message(int error) {
        byte[] message = error >= 0 && error < MESSAGES.length ? MESSAGES[error] : null;
        return message != null ? message : NO_MESSAGE;
    }

    private static byte[] ascii(String text) {
        return text.getBytes(StandardCharsets.US_ASCII);
    }
}
