package io.sluice.db.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/** Reads the rows a query selects, its parameters bound, each row made into a record by a mapper. */
final class Rows {
    private Rows() {}

    /** Makes one row (the cursor on it) into a value. */
    @FunctionalInterface
    interface Mapper<T> {
        T map(ResultSet r) throws SQLException;
    }

    static <T> List<T> list(Connection c, String sql, Upserts.Parameters parameters, Mapper<T> mapper)
            throws SQLException {
        List<T> rows = new ArrayList<>();
        try (PreparedStatement s = c.prepareStatement(sql)) {
            parameters.bind(s);
            try (ResultSet r = s.executeQuery()) {
                while (r.next()) {
                    rows.add(mapper.map(r));
                }
            }
        }
        return rows;
    }
}
