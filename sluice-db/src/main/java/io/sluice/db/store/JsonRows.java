package io.sluice.db.store;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Types;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Reads rows straight into the JSON shapes of JSON-CALLS.md for the registry, alert, audit and account tables, whose
 * rows are the answer as they are: a column {@code snake_case} becomes {@code camelCase}.
 */
final class JsonRows {
    private JsonRows() {}

    /** Every row {@code sql} selects. */
    static List<ObjectNode> all(Connection c, String sql) throws SQLException {
        try (PreparedStatement s = c.prepareStatement(sql)) {
            return all(s);
        }
    }

    /** Every row {@code sql} selects with its parameters bound. */
    static List<ObjectNode> all(Connection c, String sql, Upserts.Parameters parameters) throws SQLException {
        try (PreparedStatement s = c.prepareStatement(sql)) {
            parameters.bind(s);
            return all(s);
        }
    }

    /** The first row {@code sql} selects with its parameters bound, or null. */
    static ObjectNode one(Connection c, String sql, Upserts.Parameters parameters) throws SQLException {
        try (PreparedStatement s = c.prepareStatement(sql)) {
            parameters.bind(s);
            return one(s);
        }
    }

    static List<ObjectNode> all(PreparedStatement s) throws SQLException {
        List<ObjectNode> rows = new ArrayList<>();
        try (ResultSet r = s.executeQuery()) {
            while (r.next()) {
                rows.add(row(r));
            }
        }
        return rows;
    }

    static ObjectNode one(PreparedStatement s) throws SQLException {
        try (ResultSet r = s.executeQuery()) {
            return r.next() ? row(r) : null;
        }
    }

    static ObjectNode row(ResultSet r) throws SQLException {
        ObjectNode node = JsonNodeFactory.instance.objectNode();
        ResultSetMetaData meta = r.getMetaData();
        for (int i = 1; i <= meta.getColumnCount(); i++) {
            String name = camel(meta.getColumnLabel(i).toLowerCase(Locale.ROOT));
            Object value = r.getObject(i);
            if (value == null) {
                node.putNull(name);
                continue;
            }
            switch (meta.getColumnType(i)) {
                case Types.BIGINT -> node.put(name, r.getLong(i));
                case Types.INTEGER, Types.SMALLINT -> node.put(name, r.getInt(i));
                case Types.BOOLEAN, Types.BIT -> node.put(name, r.getBoolean(i));
                default -> node.put(name, r.getString(i));
            }
        }
        return node;
    }

    static String camel(String column) {
        StringBuilder out = new StringBuilder(column.length());
        boolean upper = false;
        for (int i = 0; i < column.length(); i++) {
            char ch = column.charAt(i);
            if (ch == '_') {
                upper = true;
            } else {
                out.append(upper ? Character.toUpperCase(ch) : ch);
                upper = false;
            }
        }
        return out.toString();
    }
}
