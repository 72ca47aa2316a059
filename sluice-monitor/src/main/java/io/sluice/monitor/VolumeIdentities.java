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
 * <p>Thread-safe: inbound threads assign under the object's lock; registration is rare (once per session).
 */
final class VolumeIdentities {
    static final String HEADER = "# sluice volume identities v1";
    /** A gateway may rename or replace its exports this many times over before it runs out of names. */
    static final int NAMES_PER_VOLUME_PLACE = 4;
    /** Ten times the SLA services' default volume limit: room for a large installation's churn, not for a flood. */
    static final int MAX_NAMES = 1_000_000;

    private static final String SHARED = "*";
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
    private int highest;

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
        this.file = file;
        this.maxPerGateway = maxPerGateway;
        this.maxInAll = maxInAll;
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
     * The ids of the volumes a VOLUMES frame announced, in its order, {@link VolumeIdsDescriptor#REFUSED} for a volume
     * flagged shared under a name {@code bindings} does not let the gateway serve; assignments new to the server are on
     * disk before this returns (or, if the disk refused them, logged and kept in memory). Null, and nothing assigned,
     * if the frame's new names would take the gateway or the server past its cap.
     */
    synchronized int[] assign(long gatewayId, VolumesReader volumes, SharedBindings bindings) {
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
        if (file == null) {
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
