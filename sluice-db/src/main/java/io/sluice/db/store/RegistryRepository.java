package io.sluice.db.store;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** Gateways (approval state, key hash), volumes and backends with their capacity history. */
public final class RegistryRepository {
    private static final String GATEWAY =
            "SELECT gateway_id, name, state, key_hash, last_seen, address, updated_at FROM gateways";
    private static final String VOLUME =
            "SELECT volume_id, name, export_name, gateway_name, shared, gateway_id, backend_id,"
                    + " allocated_bytes, used_bytes, last_seen FROM volumes";

    /** How people know a volume; see V5__volume_names.sql. */
    public record VolumeNaming(String name, String exportName, String gatewayName, boolean shared) {}

    private static final String BACKEND = "SELECT backend_id, capacity_bytes, used_bytes, at FROM backends";

    /** Sets a gateway's state; optional fields left null keep their stored value. */
    public ObjectNode upsertGateway(
            Connection c, long gatewayId, String state, String keyHash, Long lastSeen, String address, long at)
            throws SQLException {
        return upsertGateway(c, gatewayId, null, state, keyHash, lastSeen, address, at);
    }

    /** As above, and the gateway's name unless {@code name} is null. */
    public ObjectNode upsertGateway(
            Connection c,
            long gatewayId,
            String name,
            String state,
            String keyHash,
            Long lastSeen,
            String address,
            long at)
            throws SQLException {
        Upserts.Parameters parameters = s -> {
            s.setString(1, name);
            s.setString(2, state);
            s.setString(3, keyHash);
            setLong(s, 4, lastSeen);
            s.setString(5, address);
            s.setLong(6, at);
            s.setLong(7, gatewayId);
        };
        Upserts.upsert(
                c,
                "UPDATE gateways SET name = COALESCE(?, name), state = ?, key_hash = COALESCE(?, key_hash),"
                        + " last_seen = COALESCE(?, last_seen), address = COALESCE(?, address), updated_at = ? WHERE gateway_id = ?",
                parameters,
                "INSERT INTO gateways (name, state, key_hash, last_seen, address, updated_at, gateway_id)"
                        + " VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                parameters);
        return JsonRows.one(c, GATEWAY + " WHERE gateway_id = ?", s -> s.setLong(1, gatewayId));
    }

    public List<ObjectNode> gateways(Connection c, String state) throws SQLException {
        return JsonRows.all(
                c, GATEWAY + " WHERE state = COALESCE(?, state) ORDER BY gateway_id", s -> s.setString(1, state));
    }

    public ObjectNode upsertVolume(
            Connection c, int volumeId, long gatewayId, String backendId, Long allocatedBytes, Long usedBytes, long at)
            throws SQLException {
        return upsertVolume(c, volumeId, null, gatewayId, backendId, allocatedBytes, usedBytes, at);
    }

    /** As above, and the volume's names unless {@code naming} is null (a report that knows only the id). */
    public ObjectNode upsertVolume(
            Connection c,
            int volumeId,
            VolumeNaming naming,
            long gatewayId,
            String backendId,
            Long allocatedBytes,
            Long usedBytes,
            long at)
            throws SQLException {
        Upserts.Parameters parameters = s -> {
            s.setString(1, naming == null ? null : naming.name());
            s.setString(2, naming == null ? null : naming.exportName());
            s.setString(3, naming == null ? null : naming.gatewayName());
            if (naming == null) {
                s.setNull(4, Types.BOOLEAN);
            } else {
                s.setBoolean(4, naming.shared());
            }
            s.setLong(5, gatewayId);
            s.setString(6, backendId);
            setLong(s, 7, allocatedBytes);
            setLong(s, 8, usedBytes);
            s.setLong(9, at);
            s.setInt(10, volumeId);
        };
        Upserts.upsert(
                c,
                "UPDATE volumes SET name = COALESCE(?, name), export_name = COALESCE(?, export_name),"
                        + " gateway_name = COALESCE(?, gateway_name), shared = COALESCE(?, shared), gateway_id = ?,"
                        + " backend_id = COALESCE(?, backend_id), allocated_bytes = COALESCE(?, allocated_bytes),"
                        + " used_bytes = COALESCE(?, used_bytes), last_seen = ? WHERE volume_id = ?",
                parameters,
                "INSERT INTO volumes (name, export_name, gateway_name, shared, gateway_id, backend_id, allocated_bytes,"
                        + " used_bytes, last_seen, volume_id) VALUES (?, ?, ?, COALESCE(?, FALSE), ?, ?, ?, ?, ?, ?)"
                        + " ON CONFLICT DO NOTHING",
                parameters);
        return JsonRows.one(c, VOLUME + " WHERE volume_id = ?", s -> s.setInt(1, volumeId));
    }

    /** Every registered volume id, for {@link KnownVolumes}. */
    public int[] volumeIds(Connection c) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("SELECT volume_id FROM volumes");
                ResultSet r = s.executeQuery()) {
            List<Integer> ids = new ArrayList<>();
            while (r.next()) {
                ids.add(r.getInt(1));
            }
            return ids.stream().mapToInt(Integer::intValue).toArray();
        }
    }

    /**
     * Up to {@code limit} volumes with ids above {@code afterVolumeId}, by id; with {@code match}, only those whose
     * name (which holds the export name), gateway name or id contains it, ignoring case (a filter for people: a scan,
     * fine at a server's tens of thousands of volumes).
     */
    public List<ObjectNode> volumes(Connection c, long afterVolumeId, String match, int limit) throws SQLException {
        String where = match == null
                ? ""
                : " AND (LOWER(COALESCE(name, '')) LIKE ? ESCAPE '!'"
                        + " OR LOWER(COALESCE(gateway_name, '')) LIKE ? ESCAPE '!' OR CAST(volume_id AS VARCHAR(12)) LIKE ? ESCAPE '!')";
        try (PreparedStatement s =
                c.prepareStatement(VOLUME + " WHERE volume_id > ?" + where + " ORDER BY volume_id LIMIT ?")) {
            int i = 1;
            s.setLong(i++, afterVolumeId);
            if (match != null) {
                String pattern = "%"
                        + match.toLowerCase(Locale.ROOT)
                                .replace("!", "!!")
                                .replace("%", "!%")
                                .replace("_", "!_") + "%";
                s.setString(i++, pattern);
                s.setString(i++, pattern);
                s.setString(i++, pattern);
            }
            s.setInt(i, limit);
            return JsonRows.all(s);
        }
    }

    /** Records a capacity observation: the backend's latest row, and one more point of its history. */
    public ObjectNode upsertBackend(Connection c, String backendId, long capacityBytes, long usedBytes, long at)
            throws SQLException {
        Upserts.Parameters observation = s -> {
            s.setLong(1, capacityBytes);
            s.setLong(2, usedBytes);
            s.setLong(3, at);
            s.setString(4, backendId);
        };
        // An observation older than the stored one leaves the latest row as it is.
        Upserts.upsert(
                c,
                "UPDATE backends SET capacity_bytes = ?, used_bytes = ?, at = ? WHERE backend_id = ? AND at <= ?",
                s -> {
                    observation.bind(s);
                    s.setLong(5, at);
                },
                "INSERT INTO backends (capacity_bytes, used_bytes, at, backend_id) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
                observation);
        Upserts.Parameters point = s -> {
            s.setLong(1, capacityBytes);
            s.setLong(2, usedBytes);
            s.setString(3, backendId);
            s.setLong(4, at);
        };
        Upserts.upsert(
                c,
                "UPDATE backend_capacity SET capacity_bytes = ?, used_bytes = ? WHERE backend_id = ? AND at = ?",
                point,
                "INSERT INTO backend_capacity (capacity_bytes, used_bytes, backend_id, at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
                point);
        return JsonRows.one(c, BACKEND + " WHERE backend_id = ?", s -> s.setString(1, backendId));
    }

    public List<ObjectNode> backends(Connection c) throws SQLException {
        return JsonRows.all(c, BACKEND + " ORDER BY backend_id");
    }

    public List<ObjectNode> backendHistory(Connection c, String backendId, long from, long to, int limit)
            throws SQLException {
        return JsonRows.all(
                c,
                "SELECT at, capacity_bytes, used_bytes FROM backend_capacity"
                        + " WHERE backend_id = ? AND at >= ? AND at < ? ORDER BY at LIMIT ?",
                s -> {
                    s.setString(1, backendId);
                    s.setLong(2, from);
                    s.setLong(3, to);
                    s.setInt(4, limit);
                });
    }

    public boolean volumeExists(Connection c, int volumeId) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("SELECT 1 FROM volumes WHERE volume_id = ?")) {
            s.setInt(1, volumeId);
            try (var r = s.executeQuery()) {
                return r.next();
            }
        }
    }

    static void setLong(PreparedStatement s, int index, Long value) throws SQLException {
        if (value == null) {
            s.setNull(index, Types.BIGINT);
        } else {
            s.setLong(index, value);
        }
    }
}
