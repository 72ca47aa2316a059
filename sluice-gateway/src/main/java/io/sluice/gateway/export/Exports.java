package io.sluice.gateway.export;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The exports of one gateway by name, in configuration order (the order NBD_OPT_LIST reports), and the backend groups
 * that schedule and carry their requests.
 */
public final class Exports implements AutoCloseable {
    private final Map<String, Export> byName = new LinkedHashMap<>();
    private final List<BackendGroup> groups = new ArrayList<>();

    public void add(Export export) {
        if (byName.putIfAbsent(export.name(), export) != null) {
            throw new IllegalArgumentException("duplicate export name: " + export.name());
        }
        if (!groups.contains(export.group())) {
            groups.add(export.group());
        }
    }

    /** The export a client names; the empty name selects the first export (the default export). */
    public Export find(String name) {
        if (name.isEmpty()) {
            return byName.isEmpty() ? null : byName.values().iterator().next();
        }
        return byName.get(name);
    }

    public Collection<Export> all() {
        return Collections.unmodifiableCollection(byName.values());
    }

    public void start() {
        groups.forEach(BackendGroup::start);
    }

    /**
     * Drains every group (no export's requests are left in flight), then closes the exports' backends in reverse order
     * of configuration.
     */
    @Override
    public void close() {
        for (int i = groups.size() - 1; i >= 0; i--) {
            groups.get(i).close();
        }
        Export[] exports = byName.values().toArray(Export[]::new);
        for (int i = exports.length - 1; i >= 0; i--) {
            exports[i].close();
        }
    }
}
