package io.sluice.db.copy;

import io.sluice.db.store.Database;
import io.sluice.db.store.JdbcUrls;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.FlywayException;
import org.flywaydb.core.api.MigrationInfo;

/**
 * Copies a Sluice database into another (typically the embedded H2 into PostgreSQL): migrates the target to the
 * source's schema version, refuses a target that already holds rows unless told to replace them, copies every table in
 * dependency order with batched inserts, one target transaction per table, then counts both sides. The source is only
 * read, inside one repeatable-read transaction so every table is seen at the same moment.
 */
public final class DatabaseCopy {
    private static final int BATCH_ROWS = 1_000;

    private final CopyEndpoint source;
    private final CopyEndpoint target;
    private final boolean replace;
    private final Consumer<String> progress;

    public DatabaseCopy(CopyEndpoint source, CopyEndpoint target, boolean replace, Consumer<String> progress) {
        this.source = source;
        this.target = target;
        this.replace = replace;
        this.progress = progress;
    }

    public CopyReport run() throws DatabaseCopyException {
        // connect() does not migrate: the source stays exactly as it is.
        try (Database from =
                Database.connect(existingOnly(source.url()), source.user(), source.password(), 2, 5_000, null)) {
            String version = schemaVersion(from);
            try (Database to = openTarget(version);
                    Connection read = from.dataSource().getConnection();
                    Connection write = to.dataSource().getConnection()) {
                read.setReadOnly(true);
                read.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
                List<String> tables = CopyOrder.tables(read.getMetaData(), read.getSchema());
                prepareTarget(write, tables);
                List<TableCount> counts = new ArrayList<>();
                for (String table : tables) {
                    long copied = copyTable(read, write, table);
                    restartIdentities(write, table);
                    write.commit();
                    progress.accept("copied " + table + ": " + copied + " rows");
                }
                for (String table : tables) {
                    counts.add(new TableCount(table, count(read, table), count(write, table)));
                }
                write.commit();
                read.commit();
                return new CopyReport(version, counts);
            }
        } catch (SQLException e) {
            throw new DatabaseCopyException("copy failed: " + e.getMessage(), e);
        }
    }

    /** An H2 URL that would otherwise create an empty database where the operator mistyped a path. */
    private static String existingOnly(String url) {
        if (url.startsWith("jdbc:h2:") && !url.toUpperCase(Locale.ROOT).contains(";IFEXISTS=")) {
            return url + ";IFEXISTS=TRUE";
        }
        return url;
    }

    private static String schemaVersion(Database from) throws DatabaseCopyException {
        MigrationInfo current;
        try {
            current = Flyway.configure()
                    .dataSource(from.dataSource())
                    .locations("classpath:db/migration")
                    .load()
                    .info()
                    .current();
        } catch (FlywayException e) {
            throw new DatabaseCopyException("cannot read the source's schema version: " + e.getMessage(), e);
        }
        if (current == null || current.getVersion() == null) {
            throw new DatabaseCopyException("the source " + JdbcUrls.redact(from.url()) + " holds no Sluice schema");
        }
        return current.getVersion().getVersion();
    }

    private Database openTarget(String version) throws SQLException, DatabaseCopyException {
        Database to = Database.open(target.url(), target.user(), target.password(), 2, 5_000, version);
        try {
            String reached = schemaVersion(to);
            if (!reached.equals(version)) {
                throw new DatabaseCopyException("the target's schema is at version " + reached + ", the source's at "
                        + version + "; copy into a fresh database");
            }
            return to;
        } catch (DatabaseCopyException | RuntimeException e) {
            to.close();
            throw e;
        }
    }

    private void prepareTarget(Connection write, List<String> tables) throws SQLException, DatabaseCopyException {
        List<String> holdingRows = new ArrayList<>();
        for (String table : tables) {
            try (Statement s = write.createStatement();
                    ResultSet rows = s.executeQuery("SELECT 1 FROM " + table + " LIMIT 1")) {
                if (rows.next()) {
                    holdingRows.add(table);
                }
            }
        }
        if (holdingRows.isEmpty()) {
            return;
        }
        if (!replace) {
            throw new TargetNotEmptyException(holdingRows);
        }
        // Children before parents, so a foreign key never sees its row disappear first.
        try (Statement s = write.createStatement()) {
            for (String table : tables.reversed()) {
                s.executeUpdate("DELETE FROM " + table);
            }
        }
        write.commit();
        progress.accept("deleted the target's rows in " + String.join(", ", holdingRows));
    }

    private static long copyTable(Connection read, Connection write, String table) throws SQLException {
        try (Statement select = read.createStatement()) {
            select.setFetchSize(BATCH_ROWS);
            try (ResultSet rows = select.executeQuery("SELECT * FROM " + table)) {
                ResultSetMetaData columns = rows.getMetaData();
                int n = columns.getColumnCount();
                try (PreparedStatement insert = write.prepareStatement(insertInto(table, columns))) {
                    long copied = 0;
                    while (rows.next()) {
                        for (int i = 1; i <= n; i++) {
                            bind(insert, i, columns.getColumnType(i), rows);
                        }
                        insert.addBatch();
                        if (++copied % BATCH_ROWS == 0) {
                            insert.executeBatch();
                        }
                    }
                    if (copied % BATCH_ROWS != 0) {
                        insert.executeBatch();
                    }
                    return copied;
                }
            }
        }
    }

    private static String insertInto(String table, ResultSetMetaData columns) throws SQLException {
        StringBuilder names = new StringBuilder();
        StringBuilder marks = new StringBuilder();
        for (int i = 1; i <= columns.getColumnCount(); i++) {
            names.append(i == 1 ? "" : ", ").append(columns.getColumnName(i).toLowerCase(Locale.ROOT));
            marks.append(i == 1 ? "?" : ", ?");
        }
        return "INSERT INTO " + table + " (" + names + ") VALUES (" + marks + ")";
    }

    /** Text and binary columns by value: H2 hands TEXT out as a Clob, which PostgreSQL cannot take. */
    private static void bind(PreparedStatement insert, int i, int sqlType, ResultSet rows) throws SQLException {
        Object value = switch (sqlType) {
            case Types.CLOB,
                    Types.NCLOB,
                    Types.LONGVARCHAR,
                    Types.LONGNVARCHAR,
                    Types.VARCHAR,
                    Types.NVARCHAR,
                    Types.CHAR -> rows.getString(i);
            case Types.BLOB, Types.BINARY, Types.VARBINARY, Types.LONGVARBINARY -> rows.getBytes(i);
            default -> rows.getObject(i);
        };
        if (value == null) {
            insert.setNull(
                    i,
                    sqlType == Types.CLOB || sqlType == Types.NCLOB
                            ? Types.VARCHAR
                            : sqlType == Types.BLOB ? Types.VARBINARY : sqlType);
        } else {
            insert.setObject(i, value);
        }
    }

    /** Identity columns continue after the copied ids, or the next alert or audit entry would collide. */
    private static void restartIdentities(Connection write, String table) throws SQLException {
        List<String> identities = new ArrayList<>();
        try (Statement s = write.createStatement();
                ResultSet none = s.executeQuery("SELECT * FROM " + table + " WHERE 1 = 0")) {
            ResultSetMetaData columns = none.getMetaData();
            for (int i = 1; i <= columns.getColumnCount(); i++) {
                if (columns.isAutoIncrement(i)) {
                    identities.add(columns.getColumnName(i).toLowerCase(Locale.ROOT));
                }
            }
        }
        for (String column : identities) {
            long next;
            try (Statement s = write.createStatement();
                    ResultSet max = s.executeQuery("SELECT COALESCE(MAX(" + column + "), 0) + 1 FROM " + table)) {
                max.next();
                next = max.getLong(1);
            }
            try (Statement s = write.createStatement()) {
                s.execute("ALTER TABLE " + table + " ALTER COLUMN " + column + " RESTART WITH " + next);
            }
        }
    }

    private static long count(Connection connection, String table) throws SQLException {
        try (Statement s = connection.createStatement();
                ResultSet rows = s.executeQuery("SELECT COUNT(*) FROM " + table)) {
            rows.next();
            return rows.getLong(1);
        }
    }
}
