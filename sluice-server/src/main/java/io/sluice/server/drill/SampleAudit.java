package io.sluice.server.drill;

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
 * starts before the previous one ends was stored twice, a gap between them is a report lost. A gap that ends at most a
 * second after a kill (and at most five before it) is a report the gateway sent to the server just killed, which died
 * holding it: reported but never acknowledged, so not counted lost but shown. Any other gap is a lost sample of a
 * report the active took and lived on after.
 *
 * @param series (gateway, volume, direction) series audited
 * @param windows windows stored
 * @param duplicates windows stored twice (or overlapping the previous one)
 * @param lost gaps not explained by a kill: acknowledged reports lost
 * @param lostAtKills gaps ending at a kill: reports the killed active held
 * @param detail the first few gaps and overlaps, for a failure message
 */
public record SampleAudit(
        long series, long windows, long duplicates, long lost, long lostAtKills, List<String> detail) {
    static SampleAudit of(String jdbcUrl, String user, String password, List<Long> killedAtMillis) throws SQLException {
        long series = 0;
        long windows = 0;
        long duplicates = 0;
        long lost = 0;
        long lostAtKills = 0;
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
                    boolean atKill =
                            killedAtMillis.stream().anyMatch(kill -> gapEnd <= kill + 1_000 && gapEnd >= kill - 5_000);
                    if (atKill) {
                        lostAtKills++;
                    } else {
                        lost++;
                    }
                    note(detail, (atKill ? "gap at a kill in " : "gap in ") + k + ": " + end + ".." + t);
                }
                end = Math.max(end, t + interval);
            }
        }
        return new SampleAudit(series, windows, duplicates, lost, lostAtKills, List.copyOf(detail));
    }

    private static void note(List<String> detail, String line) {
        if (detail.size() < 20) {
            detail.add(line);
        }
    }
}
