package io.sluice.db.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * SLAs, policies and groups: the current version in {@code docs}, every version ever written in {@code doc_versions}.
 * Writes are optimistic: the update names the version it was based on and changes nothing unless that is still the
 * current one.
 */
public final class DocRepository {
    private static final String COLUMNS = "kind, name, version, spec, deleted, updated_at, updated_by";

    public Optional<VersionedDoc> get(Connection c, String kind, String name) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("SELECT " + COLUMNS + " FROM docs WHERE kind = ? AND name = ?")) {
            s.setString(1, kind);
            s.setString(2, name);
            try (ResultSet r = s.executeQuery()) {
                return r.next() ? Optional.of(read(r)) : Optional.empty();
            }
        }
    }

    /** Up to {@code limit} documents by name after {@code afterName} (null: from the start). */
    public List<VersionedDoc> list(Connection c, String kind, String afterName, int limit, boolean includeDeleted)
            throws SQLException {
        String sql = "SELECT " + COLUMNS + " FROM docs WHERE kind = ? AND name > ?"
                + (includeDeleted ? "" : " AND deleted = FALSE") + " ORDER BY name LIMIT ?";
        try (PreparedStatement s = c.prepareStatement(sql)) {
            s.setString(1, kind);
            s.setString(2, afterName == null ? "" : afterName);
            s.setInt(3, limit);
            return readAll(s);
        }
    }

    public List<VersionedDoc> history(Connection c, String kind, String name) throws SQLException {
        try (PreparedStatement s = c.prepareStatement(
                "SELECT " + COLUMNS + " FROM doc_versions WHERE kind = ? AND name = ? ORDER BY version")) {
            s.setString(1, kind);
            s.setString(2, name);
            return readAll(s);
        }
    }

    /**
     * Writes version {@code expectedVersion + 1}. {@code expectedVersion} 0 creates; a name whose current version is a
     * tombstone is re-created by naming the tombstone's version.
     */
    public VersionedDoc put(
            Connection c,
            String kind,
            String name,
            int expectedVersion,
            String spec,
            boolean deleted,
            long at,
            String actor)
            throws SQLException, VersionConflictException {
        VersionedDoc next = new VersionedDoc(kind, name, expectedVersion + 1, spec, deleted, at, actor);
        if (expectedVersion == 0) {
            Optional<VersionedDoc> current = get(c, kind, name);
            if (current.isPresent()) {
                throw new VersionConflictException(
                        kind + " " + name + " exists", current.get().version());
            }
            insertCurrent(c, next);
        } else if (!updateCurrent(c, next, expectedVersion)) {
            int current = get(c, kind, name).map(VersionedDoc::version).orElse(0);
            throw new VersionConflictException(
                    kind + " " + name + " is at version " + current + ", not " + expectedVersion, current);
        }
        try (PreparedStatement s =
                c.prepareStatement("INSERT INTO doc_versions (" + COLUMNS + ") VALUES (?, ?, ?, ?, ?, ?, ?)")) {
            bind(s, next);
            s.executeUpdate();
        }
        return next;
    }

    private static void insertCurrent(Connection c, VersionedDoc doc) throws SQLException, VersionConflictException {
        try (PreparedStatement s =
                c.prepareStatement("INSERT INTO docs (" + COLUMNS + ") VALUES (?, ?, ?, ?, ?, ?, ?)")) {
            bind(s, doc);
            s.executeUpdate();
        } catch (SQLException e) {
            if (SqlStates.isUniqueViolation(e)) {
                // Another create of the same name committed between our read and our insert.
                throw new VersionConflictException(doc.kind() + " " + doc.name() + " exists", 1);
            }
            throw e;
        }
    }

    private static boolean updateCurrent(Connection c, VersionedDoc doc, int expectedVersion) throws SQLException {
        try (PreparedStatement s =
                c.prepareStatement("UPDATE docs SET version = ?, spec = ?, deleted = ?, updated_at = ?,"
                        + " updated_by = ? WHERE kind = ? AND name = ? AND version = ?")) {
            s.setInt(1, doc.version());
            s.setString(2, doc.spec());
            s.setBoolean(3, doc.deleted());
            s.setLong(4, doc.updatedAt());
            s.setString(5, doc.updatedBy());
            s.setString(6, doc.kind());
            s.setString(7, doc.name());
            s.setInt(8, expectedVersion);
            return s.executeUpdate() == 1;
        }
    }

    private static void bind(PreparedStatement s, VersionedDoc doc) throws SQLException {
        s.setString(1, doc.kind());
        s.setString(2, doc.name());
        s.setInt(3, doc.version());
        s.setString(4, doc.spec());
        s.setBoolean(5, doc.deleted());
        s.setLong(6, doc.updatedAt());
        s.setString(7, doc.updatedBy());
    }

    private static List<VersionedDoc> readAll(PreparedStatement s) throws SQLException {
        List<VersionedDoc> docs = new ArrayList<>();
        try (ResultSet r = s.executeQuery()) {
            while (r.next()) {
                docs.add(read(r));
            }
        }
        return docs;
    }

    private static VersionedDoc read(ResultSet r) throws SQLException {
        return new VersionedDoc(
                r.getString(1),
                r.getString(2),
                r.getInt(3),
                r.getString(4),
                r.getBoolean(5),
                r.getLong(6),
                r.getString(7));
    }
}
