package io.sluice.gateway.stats;

import static io.sluice.gateway.nbd.NbdDescriptor.*;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Which direction each command is counted in, and which bytes count as moved. */
class ExportStatsTest {
    private static final long MS = 1_000_000;

    @Test
    void lookupsAndPrefetchesAreReadsThatMoveNoBytesAndZeroingIsAWrite() {
        ExportStats stats = new ExportStats();
        stats.completed(CMD_READ, 4096, 0, MS, 2 * MS);
        stats.completed(CMD_CACHE, 1 << 20, 0, MS, 2 * MS);
        stats.completed(CMD_BLOCK_STATUS, 1L << 30, 0, MS, 2 * MS);
        stats.completed(CMD_WRITE, 8192, 0, MS, 2 * MS);
        stats.completed(CMD_TRIM, 1L << 30, 0, MS, 2 * MS);
        stats.completed(CMD_WRITE_ZEROES, 1L << 30, 0, MS, 2 * MS);
        VolumeStats snapshot = stats.snapshot("v", 0, "disk", 0, 0, 0);
        assertThat(snapshot.read().ops()).isEqualTo(3);
        assertThat(snapshot.read().bytes()).isEqualTo(4096);
        assertThat(snapshot.write().ops()).isEqualTo(3);
        assertThat(snapshot.write().bytes()).isEqualTo(8192);
    }
}
