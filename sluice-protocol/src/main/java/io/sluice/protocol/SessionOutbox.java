package io.sluice.protocol;

import java.nio.ByteBuffer;

/** Where a {@link GatewaySession} writes the frames it sends; the caller writes them to its connection. */
@FunctionalInterface
public interface SessionOutbox {
    /**
     * A buffer to write {@code length} more bytes into after what is queued (flushing or growing first as the caller
     * may), or null when the caller has no room: the session then writes nothing and says so.
     */
    ByteBuffer room(int length);
}
