package io.sluice.drill;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/**
 * What the stored samples say about the takeovers. A gateway's report covers the time since its previous report, so a
 * gateway's stored windows for one volume and direction ({@code t}, {@code interval_ms}) tile its time: a window that
 * starts before the previous one ends was stored twice, a gap between them is a report lost. The protocol has no
 * acknowledgement of a report, so "acknowledged" is taken as: sent while an active was in control and stayed so. A gap
 * whose report was sent (the gap's end) during a takeover, from five seconds before the kill (a report the killed
 * active held) to a second after every gateway was in control again (a report the new active took while starting), is
 * counted apart as lost in a takeover; any other gap is a lost acknowledged sample. The first start counts as a
 * takeover from no active, from the fleet's start to the first active's control: reports the monitor takes while the
 * services it starts cannot yet take them (their database forwarder attaching, its start-up load) are dropped there as
 * they are in a takeover.
 *
 * @param series (gateway, volume, direction) series audited
 * @param windows windows stored
 * @param duplicates windows stored twice (or overlapping the previous one)
 * @param lost gaps outside the takeovers: acknowledged reports lost
 * @param lostInTakeovers gaps whose report was sent during a takeover (the first start included)
 * @param detail the first few gaps and overlaps, for a failure message
 */
public record SampleAudit(
        long series, long windows, long duplicates, long lost, long lostInTakeovers, List<String> detail) {
    /** @param takeovers the first start and each kill: its start and the moment control was in place (Unix ms) */
    static SampleAudit of(String jdbcUrl, String user, String password, List<long[]> takeovers) throws SQLException {
        long series = 0;
        long windows = 0;
        long duplicates = 0;
        long lost = 0;
        long lostInTakeovers = 0;
        List<String> detail = new ArrayList<>();
        try (Connection c = DriverManager.getConnection(jdbcUrl, user, password);
                Statement s = c.createStatement();
                ResultSet r = s.executeQuery("SELECT gateway_id, volume_id, direction, t, interval_ms FROM samples_1s"
                        + " ORDER BY gateway_id, volume_id, direction, t")) {
            String key = null;
            long end = 0;
            while (r.next()) {
                String k = r.getLong(1) + "/" + r.getInt(2) + "/" + r.getInt(3);
                long t = r.getLong(4);
                long interval = r.getInt(5);
                windows++;
                if (!k.equals(key)) {
                    series++;
                    key = k;
                    end = t;
                }
                if (t < end) {
                    duplicates++;
                    note(detail, "overlap in " + k + " at " + t + " (previous ends " + end + ")");
                } else if (t > end) {
                    long gapEnd = t;
                    boolean atKill = takeovers.stream().anyMatch(w -> gapEnd >= w[0] - 5_000 && gapEnd <= w[1] + 1_000);
                    if (atKill) {
                        lostInTakeovers++;
                    } else {
                        lost++;
                    }
                    note(detail, (atKill ? "gap in a takeover in " : "gap in ") + k + ": " + end + ".." + t);
                }
                end = Math.max(end, t + interval);
            }
        }
        return new SampleAudit(series, windows, duplicates, lost, lostInTakeovers, List.copyOf(detail));
    }

    private static void note(List<String> detail, String line) {
        if (detail.size() < 20) {
            detail.add(line);
        }
    }
}
