package io.sluice.gateway.server;

import io.sluice.gateway.export.Export;

/** What a successful handshake agreed on: the export and whether replies are structured. */
record NbdSession(Export export, boolean structuredReplies) {
}
