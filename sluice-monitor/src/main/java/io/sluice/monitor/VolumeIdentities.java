package io.sluice.monitor;

import io.sluice.common.PrivateFiles;
import io.sluice.protocol.VolumeDescriptor;
import io.sluice.protocol.VolumeIdsDescriptor;
import io.sluice.protocol.VolumesReader;
import java.io.IOException;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The server's volume ids. A volume is known by its key: its name on its gateway ({@code 12/disk1}), or, for a volume
 * its gateways flag {@link VolumeDescriptor#FLAG_SHARED}, its name alone ({@code *}/lun7), so that two gateways serving
 * the same LUN deliberately control it as one volume while two hosts that each call their first disk "disk1" get two.
 * The first time a key is seen it gets the id its gateway proposed if no other key holds that id, else the next id
 * above every id given so far; the key keeps its id for good, so history and SLAs stay with the volume across restarts
 * and reconnects.
 *
 * <p>Kept in an append-only text file next to the gateway registry, one assignment per line, forced to disk before the
 * gateway hears its ids:
 *
 * <pre>
 * # sluice volume identities v1
 * 1 12 disk1
 * 2 * lun%207
 * </pre>
 *
 * Bounded, because ids are kept for good and a gateway chooses its volumes' names: a gateway (or a leaked key)
 * announcing new names at every session would otherwise grow the file and the monitor's memory without end. A gateway's
 * own names are capped per gateway, and all names together (shared ones included) overall; a VOLUMES frame that would
 * pass either cap gets no ids at all ({@link #assign} returns null).
 *
 * <p>A shared name is one volume whatever gateway serves it, so a gateway joins it only when an operator bound the name
 * to it ({@link SharedBindings}); an unbound shared volume gets {@link VolumeIdsDescriptor#REFUSED} instead of an id,
 * and no name is kept for it.
 *
 * <p><b>In the database</b> (given an {@link AdmissionLink}: the monitor of a server that runs the database manager,
 * docs/design.md "Volume ids in the database"): the database assigns every id new to this monitor
 * ({@code volumeid.assign}, one winner among monitors racing), so a server taking over gives each volume the id the one
 * before it gave; this object caches what it read ({@code volumeid.list}, at the first registration) and what it was
 * given. A file found at {@code file} (a server before this version) is imported first and renamed
 * {@code volumes.identities.imported-<millis>}. Fail-closed: until the database has been read, and for a frame whose
 * new names the database cannot be asked about, no ids are given ({@link #assign} returns null: the gateway's session
 * ends and it registers again), never ids made up here; names already cached keep their ids while the database is away.
 * A failed read is not tried again for {@link #RETRY_NANOS}.
 *
 * <p>Thread-safe: inbound threads assign under the object's lock; registration is rare (once per session). In the
 * database a frame with names new to this monitor waits for the database manager under the lock, at most the registry's
 * call timeout.
 */
final class VolumeIdentities {
    static final String HEADER = "# sluice volume identities v1";
    /** A gateway may rename or replace its exports this many times over before it runs out of names. */
    static final int NAMES_PER_VOLUME_PLACE = 4;
    /** Ten times the SLA services' default volume limit: room for a large installation's churn, not for a flood. */
    static final int MAX_NAMES = 1_000_000;

    private static final String SHARED = "*";
    /** How long after a failed read of the database the next registration waits before trying again. */
    static final long RETRY_NANOS = 2_000_000_000L;
    /**
     * What {@link #assign} answers (this very array) when the database could not be asked: no ids, and not a cap; the
     * session ends and the gateway registers again.
     */
    static final int[] DATABASE_AWAY = new int[0];

    private static final System.Logger LOG = System.getLogger(VolumeIdentities.class.getName());

    /** Which gateways may serve a volume flagged shared under a name (the gateway registry's bindings). */
    @FunctionalInterface
    interface SharedBindings {
        boolean mayServe(long gatewayId, String name);
    }

    private final Map<String, Integer> idsByKey = new HashMap<>();
    private final Map<Integer, String> keysById = new HashMap<>();
    private final Map<String, Integer> namesPerOwner = new HashMap<>();
    private final Path file;
    private final int maxPerGateway;
    private final int maxInAll;
    private final AdmissionLink db;
    private int highest;
    /** In the database: whether it has been read (and the old file imported). */
    private boolean loaded;

    private long nextReadAt = System.nanoTime();

    /** The names one gateway may ever have ids for, when it may serve {@code maxVolumesPerGateway} at once. */
    static int namesPerGateway(int maxVolumesPerGateway) {
        return (int) Math.min(Integer.MAX_VALUE, (long) NAMES_PER_VOLUME_PLACE * maxVolumesPerGateway);
    }

    /** In memory only, with caps no test of ids alone reaches. */
    VolumeIdentities(Path file) {
        this(file, Integer.MAX_VALUE, Integer.MAX_VALUE);
    }

    /**
     * @param file where assignments are kept, or null to keep them in memory only
     * @param maxPerGateway most names one gateway may ever have ids for (its shared names are counted in all only)
     * @param maxInAll most names of all gateways together
     */
    VolumeIdentities(Path file, int maxPerGateway, int maxInAll) {
        this(file, maxPerGateway, maxInAll, null);
    }

    /**
     * @param db where ids are assigned and kept (the database manager), or null to keep them in {@code file}; with it,
     *     {@code file} is only imported, once, and nothing is read before the first registration
     */
    VolumeIdentities(Path file, int maxPerGateway, int maxInAll, AdmissionLink db) {
        this.file = file;
        this.maxPerGateway = maxPerGateway;
        this.maxInAll = maxInAll;
        this.db = db;
        if (db == null) {
            readFile();
        }
    }

    private void readFile() {
        if (file != null && Files.exists(file)) {
            try {
                load(file);
            } catch (IOException | IllegalArgumentException e) {
                idsByKey.clear();
                keysById.clear();
                highest = 0;
                Path aside = file.resolveSibling(file.getFileName() + ".unreadable-" + System.currentTimeMillis());
                try {
                    Files.move(file, aside);
                } catch (IOException moveFailed) {
                    aside = null;
                }
                LOG.log(
                        System.Logger.Level.ERROR,
                        "volume identities " + file + ": " + e.getMessage() + "; "
                                + (aside == null ? "left in place" : "moved to " + aside)
                                + "; volumes get their ids afresh, and one whose id changes starts a new history");
            }
        }
    }

    /**
     * In the database, reads it once: the old file imported (and renamed), then every id on record cached. False, and
     * nothing cached, while the database cannot be read (tried again after {@link #RETRY_NANOS}).
     */
    private boolean readDatabase() {
        if (loaded) {
            return true;
        }
        long now = System.nanoTime();
        if (now - nextReadAt < 0) {
            return false;
        }
        try {
            readFile();
            if (!idsByKey.isEmpty()) {
                List<AdmissionLink.VolumeId> old = new ArrayList<>();
                idsByKey.forEach((key, id) -> {
                    int space = key.indexOf(' ');
                    old.add(new AdmissionLink.VolumeId(id, key.substring(0, space), key.substring(space + 1)));
                });
                db.importVolumeIds(old);
                Path imported = file.resolveSibling(file.getFileName() + ".imported-" + System.currentTimeMillis());
                Files.move(file, imported);
                LOG.log(
                        System.Logger.Level.INFO,
                        "volume identities " + file + " imported into the database, kept as " + imported);
            }
            forget();
            for (AdmissionLink.VolumeId id : db.volumeIds()) {
                remember(id.owner() + ' ' + id.name(), id.volumeId());
            }
            loaded = true;
            return true;
        } catch (AdmissionLink.UnavailableException | IOException e) {
            forget();
            nextReadAt = now + RETRY_NANOS;
            LOG.log(
                    System.Logger.Level.WARNING,
                    "volume ids: the database cannot be read (" + e.getMessage()
                            + "); gateways get no ids until it can");
            return false;
        }
    }

    private void forget() {
        idsByKey.clear();
        keysById.clear();
        namesPerOwner.clear();
        highest = 0;
    }

    /**
     * The ids of the volumes a VOLUMES frame announced, in its order, {@link VolumeIdsDescriptor#REFUSED} for a volume
     * flagged shared under a name {@code bindings} does not let the gateway serve; assignments new to the server are on
     * disk before this returns (or, if the disk refused them, logged and kept in memory). Null, and nothing assigned,
     * if the frame's new names would take the gateway or the server past its cap; {@link #DATABASE_AWAY} when the ids
     * are kept in the database and it could not be asked.
     */
    synchronized int[] assign(long gatewayId, VolumesReader volumes, SharedBindings bindings) {
        if (db != null && !readDatabase()) {
            return DATABASE_AWAY;
        }
        int count = volumes.volumeCount();
        String gateway = Long.toString(gatewayId);
        boolean[] refused = new boolean[count];
        int newOwn = 0;
        int newInAll = 0;
        for (int i = 0; i < count; i++) {
            boolean shared = (volumes.volumeFlags(i) & VolumeDescriptor.FLAG_SHARED) != 0;
            if (shared && !bindings.mayServe(gatewayId, volumes.volumeName(i))) {
                refused[i] = true;
            } else if (!idsByKey.containsKey((shared ? SHARED : gateway) + ' ' + volumes.volumeName(i))) {
                newInAll++;
                newOwn += shared ? 0 : 1;
            }
        }
        if (namesPerOwner.getOrDefault(gateway, 0) + newOwn > maxPerGateway || idsByKey.size() + newInAll > maxInAll) {
            return null;
        }
        if (db != null && newInAll > 0) {
            Boolean given = assignAtDatabase(gatewayId, volumes, refused);
            if (given == null) {
                return DATABASE_AWAY;
            }
            if (!given) {
                return null;
            }
        }
        int[] ids = new int[count];
        StringBuilder added = new StringBuilder();
        for (int i = 0; i < count; i++) {
            if (refused[i]) {
                ids[i] = VolumeIdsDescriptor.REFUSED;
                continue;
            }
            String owner =
                    (volumes.volumeFlags(i) & VolumeDescriptor.FLAG_SHARED) != 0 ? SHARED : Long.toString(gatewayId);
            String key = owner + ' ' + volumes.volumeName(i);
            Integer id = idsByKey.get(key);
            if (id == null) {
                int proposed = volumes.volumeId(i);
                id = proposed > 0 && !keysById.containsKey(proposed) ? proposed : nextFree();
                remember(key, id);
                added.append(id)
                        .append(' ')
                        .append(owner)
                        .append(' ')
                        .append(URLEncoder.encode(volumes.volumeName(i), StandardCharsets.UTF_8))
                        .append('\n');
                if (id != proposed) {
                    LOG.log(
                            System.Logger.Level.INFO,
                            "volume {0} of gateway {1} proposed id {2}, which another volume holds: "
                                    + "it is volume {3}",
                            volumes.volumeName(i),
                            gatewayId,
                            proposed,
                            id);
                }
            }
            ids[i] = id;
        }
        if (!added.isEmpty()) {
            append(added.toString());
        }
        return ids;
    }

    /**
     * Asks the database for the ids of the frame's names this monitor has not cached (one call, in one transaction at
     * the database) and caches them: true; false when the database's caps refuse them, null when it cannot be asked,
     * nothing cached then.
     */
    private Boolean assignAtDatabase(long gatewayId, VolumesReader volumes, boolean[] refused) {
        List<String> names = new ArrayList<>();
        List<Boolean> shared = new ArrayList<>();
        List<Integer> proposed = new ArrayList<>();
        List<String> keys = new ArrayList<>();
        for (int i = 0; i < volumes.volumeCount(); i++) {
            boolean isShared = (volumes.volumeFlags(i) & VolumeDescriptor.FLAG_SHARED) != 0;
            String key = (isShared ? SHARED : Long.toString(gatewayId)) + ' ' + volumes.volumeName(i);
            if (!refused[i] && !idsByKey.containsKey(key) && !keys.contains(key)) {
                keys.add(key);
                names.add(volumes.volumeName(i));
                shared.add(isShared);
                proposed.add(volumes.volumeId(i));
            }
        }
        int[] ids;
        try {
            ids = db.assignVolumeIds(
                    gatewayId,
                    names,
                    shared,
                    proposed.stream().mapToInt(Integer::intValue).toArray(),
                    maxPerGateway,
                    maxInAll);
        } catch (AdmissionLink.UnavailableException e) {
            LOG.log(
                    System.Logger.Level.WARNING,
                    "volume ids for gateway " + gatewayId + ": the database cannot be asked (" + e.getMessage()
                            + "); its new volumes get no ids for now");
            return null;
        }
        if (ids == null) {
            return false;
        }
        for (int i = 0; i < ids.length; i++) {
            // Another monitor may have given this id to the key before this one cached it: the database's word holds.
            String before = keysById.get(ids[i]);
            if (before != null && !before.equals(keys.get(i))) {
                idsByKey.remove(before);
                namesPerOwner.merge(before.substring(0, before.indexOf(' ')), -1, Integer::sum);
            }
            remember(keys.get(i), ids[i]);
        }
        return true;
    }

    /** Above every id given; once a proposal took the very top, the lowest id nobody holds. */
    private int nextFree() {
        if (highest < Integer.MAX_VALUE) {
            return highest + 1;
        }
        int id = 1;
        while (keysById.containsKey(id)) {
            id++;
        }
        return id;
    }

    private void remember(String key, int id) {
        namesPerOwner.merge(key.substring(0, key.indexOf(' ')), 1, Integer::sum);
        idsByKey.put(key, id);
        keysById.put(id, key);
        highest = Math.max(highest, id);
    }

    private void load(Path from) throws IOException {
        List<String> lines = Files.readAllLines(from, StandardCharsets.UTF_8);
        if (lines.isEmpty() || !lines.getFirst().equals(HEADER)) {
            throw new IllegalArgumentException("does not start with '" + HEADER + "'");
        }
        for (int n = 1; n < lines.size(); n++) {
            String line = lines.get(n);
            if (line.isBlank()) {
                continue;
            }
            String[] parts = line.split(" ");
            try {
                int id = Integer.parseInt(parts[0]);
                if (parts.length != 3 || id <= 0 || !(parts[1].equals(SHARED) || Long.parseLong(parts[1]) > 0)) {
                    throw new IllegalArgumentException(
                            "line " + (n + 1) + ": expected '<id> <gateway id or *> <name>'");
                }
                String key = parts[1] + ' ' + URLDecoder.decode(parts[2], StandardCharsets.UTF_8);
                if (keysById.containsKey(id) || idsByKey.containsKey(key)) {
                    throw new IllegalArgumentException("line " + (n + 1) + ": id " + id + " or its volume given twice");
                }
                remember(key, id);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("line " + (n + 1) + ": not a number: " + e.getMessage());
            }
        }
    }

    private void append(String lines) {
        if (file == null || db != null) {
            return;
        }
        try {
            PrivateFiles.ensureDirectory(file.toAbsolutePath().getParent());
            boolean fresh = !Files.exists(file);
            PrivateFiles.ensureFile(file);
            try (FileChannel out = FileChannel.open(file, StandardOpenOption.WRITE, StandardOpenOption.APPEND)) {
                out.write(ByteBuffer.wrap(((fresh ? HEADER + '\n' : "") + lines).getBytes(StandardCharsets.UTF_8)));
                out.force(true);
            }
        } catch (IOException e) {
            LOG.log(
                    System.Logger.Level.ERROR,
                    "cannot write " + file + ": " + e + "; the ids hold until the monitor restarts");
        }
    }
}
