package io.sluice.db.copy;

import java.sql.DatabaseMetaData;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The tables of a schema in dependency order (a referenced table before the tables referring to it), read from the
 * database's own metadata so a later migration's tables and keys are followed too. Flyway's history table is left out:
 * the target gets its own by migrating.
 */
final class CopyOrder {
    static final String FLYWAY_HISTORY = "flyway_schema_history";

    private CopyOrder() {}

    static List<String> tables(DatabaseMetaData metadata, String schema) throws SQLException {
        Map<String, Set<String>> references = new LinkedHashMap<>();
        for (String table : tableNames(metadata, schema)) {
            Set<String> referenced = new TreeSet<>();
            try (ResultSet keys = metadata.getImportedKeys(null, schema, table)) {
                while (keys.next()) {
                    String parent = keys.getString("PKTABLE_NAME").toLowerCase(Locale.ROOT);
                    if (!parent.equals(table)) {
                        referenced.add(parent);
                    }
                }
            }
            references.put(table, referenced);
        }
        Set<String> ordered = new LinkedHashSet<>();
        for (String table : references.keySet()) {
            visit(table, references, ordered, new LinkedHashSet<>());
        }
        return List.copyOf(ordered);
    }

    private static Set<String> tableNames(DatabaseMetaData metadata, String schema) throws SQLException {
        Set<String> names = new TreeSet<>();
        try (ResultSet tables = metadata.getTables(null, schema, "%", new String[] {"TABLE"})) {
            while (tables.next()) {
                String name = tables.getString("TABLE_NAME").toLowerCase(Locale.ROOT);
                if (!name.equals(FLYWAY_HISTORY)) {
                    names.add(name);
                }
            }
        }
        return names;
    }

    private static void visit(String table, Map<String, Set<String>> references, Set<String> ordered, Set<String> path)
            throws SQLException {
        if (ordered.contains(table)) {
            return;
        }
        if (!path.add(table)) {
            throw new SQLException(
                    "foreign keys form a cycle through " + path + "; no order copies them table by table");
        }
        for (String parent : references.getOrDefault(table, Set.of())) {
            visit(parent, references, ordered, path);
        }
        path.remove(table);
        ordered.add(table);
    }
}
