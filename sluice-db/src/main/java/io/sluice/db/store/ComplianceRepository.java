package io.sluice.db.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/** Compliance verdicts as the services append them, and reports that count them per SLA, scope and dimension. */
public final class ComplianceRepository {
    public int append(Connection c, List<ComplianceResult> results) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("INSERT INTO compliance_results (sla, scope_kind, scope_id,"
                + " interval_start, interval_ms, dimension, verdict) VALUES (?, ?, ?, ?, ?, ?, ?)")) {
            for (ComplianceResult r : results) {
                s.setString(1, r.sla());
                s.setString(2, r.scopeKind());
                s.setString(3, r.scopeId());
                s.setLong(4, r.intervalStart());
                s.setLong(5, r.intervalMillis());
                s.setString(6, r.dimension());
                s.setString(7, r.verdict());
                s.addBatch();
            }
            s.executeBatch();
        }
        return results.size();
    }

    /** Tallies over intervals starting in [from, to), optionally for one SLA and/or one tenant's scope. */
    public List<ComplianceTally> report(Connection c, long from, long to, String sla, String tenant)
            throws SQLException {
        StringBuilder sql = new StringBuilder("SELECT sla, scope_kind, scope_id, dimension, COUNT(*),"
                + " SUM(CASE WHEN verdict = 'MET' THEN 1 ELSE 0 END), SUM(CASE WHEN verdict = 'MISSED' THEN 1 ELSE 0 END)"
                + " FROM compliance_results WHERE interval_start >= ? AND interval_start < ?");
        if (sla != null) {
            sql.append(" AND sla = ?");
        }
        if (tenant != null) {
            sql.append(" AND scope_kind = 'TENANT' AND scope_id = ?");
        }
        sql.append(" GROUP BY sla, scope_kind, scope_id, dimension ORDER BY sla, scope_kind, scope_id, dimension");
        try (PreparedStatement s = c.prepareStatement(sql.toString())) {
            int i = 1;
            s.setLong(i++, from);
            s.setLong(i++, to);
            if (sla != null) {
                s.setString(i++, sla);
            }
            if (tenant != null) {
                s.setString(i, tenant);
            }
            List<ComplianceTally> tallies = new ArrayList<>();
            try (ResultSet r = s.executeQuery()) {
                while (r.next()) {
                    tallies.add(new ComplianceTally(
                            r.getString(1),
                            r.getString(2),
                            r.getString(3),
                            r.getString(4),
                            r.getLong(5),
                            r.getLong(6),
                            r.getLong(7)));
                }
            }
            return tallies;
        }
    }
}
