package io.sluice.gateway.server;

import io.sluice.gateway.export.Export;
import java.nio.channels.ByteChannel;
import java.nio.channels.GatheringByteChannel;

/**
 * What a successful handshake agreed on: the export, whether replies are structured, whether the client selected
 * base:allocation for this export (NBD_CMD_BLOCK_STATUS), and the channel transmission uses (the socket, or the TLS
 * session on it; {@code in} and {@code out} are the same object).
 */
record NbdSession(
        Export export, boolean structuredReplies, boolean blockStatus, ByteChannel in, GatheringByteChannel out) {}
