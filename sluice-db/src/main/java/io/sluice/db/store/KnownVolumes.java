package io.sluice.db.store;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The volume ids of the registry, in memory, so the mailbox thread can refuse the samples of a volume nobody registered
 * without a query. Loaded once the database first answers; until then every id is admitted (the samples go to the
 * journal, the registry cannot be asked). Volumes are never removed from the registry, so ids are only added.
 *
 * <p>Thread-safe: readers probe an open-addressing table that is never changed once published (a volatile reference);
 * the rare writers (a committed volume.upsert, the load) copy it under the lock.
 */
public final class KnownVolumes {
    /** Volume ids are positive, so 0 marks a free cell. */
    private static final int FREE = 0;

    private volatile int[] table;
    private int size;
    /** Ids registered before the load, which the load's query may have missed. */
    private final List<Integer> beforeLoad = new ArrayList<>();

    public boolean loaded() {
        return table != null;
    }

    /** True when the id is registered, or nothing is known yet. */
    public boolean admits(int volumeId) {
        int[] cells = table;
        return cells == null || contains(cells, volumeId);
    }

    /** Publishes the registry's ids (read in one transaction) and those added meanwhile. */
    public synchronized void load(int[] registered) {
        int[] cells = new int[capacityFor(registered.length + beforeLoad.size())];
        size = 0;
        for (int id : registered) {
            size += insert(cells, id) ? 1 : 0;
        }
        for (int id : beforeLoad) {
            size += insert(cells, id) ? 1 : 0;
        }
        beforeLoad.clear();
        table = cells;
    }

    /** A volume.upsert committed. */
    public synchronized void add(int volumeId) {
        int[] cells = table;
        if (cells == null) {
            beforeLoad.add(volumeId);
            return;
        }
        if (contains(cells, volumeId)) {
            return;
        }
        int[] next = cells;
        if ((size + 1) * 2 > cells.length) {
            next = new int[cells.length * 2];
            for (int id : cells) {
                if (id != FREE) {
                    insert(next, id);
                }
            }
        } else {
            next = Arrays.copyOf(cells, cells.length);
        }
        insert(next, volumeId);
        size++;
        table = next;
    }

    private static int capacityFor(int count) {
        return Math.max(64, Integer.highestOneBit(Math.max(1, count) * 2 - 1) << 1);
    }

    private static boolean contains(int[] cells, int id) {
        int mask = cells.length - 1;
        for (int i = mix(id) & mask; ; i = (i + 1) & mask) {
            if (cells[i] == id) {
                return true;
            }
            if (cells[i] == FREE) {
                return false;
            }
        }
    }

    private static boolean insert(int[] cells, int id) {
        if (id == FREE) {
            return false;
        }
        int mask = cells.length - 1;
        for (int i = mix(id) & mask; ; i = (i + 1) & mask) {
            if (cells[i] == id) {
                return false;
            }
            if (cells[i] == FREE) {
                cells[i] = id;
                return true;
            }
        }
    }

    private static int mix(int id) {
        return id * 0x9E3779B9 >>> 7;
    }
}
