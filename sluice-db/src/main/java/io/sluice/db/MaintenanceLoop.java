package io.sluice.db;

import io.sluice.common.Agent;
import io.sluice.db.store.Database;
import io.sluice.db.store.KnownVolumes;
import io.sluice.db.store.RegistryRepository;
import java.sql.SQLException;

/**
 * The {@code db-maintenance} loop: each turn loads the volume registry if it has not been loaded yet (the database was
 * unreachable at start) and runs the history's rollups and retention; a failure waits for the next turn. Its runner
 * pauses {@code maintenanceEveryMillis} between turns; it never reports work, so it always pauses.
 */
final class MaintenanceLoop implements Agent {
    static final String ROLE_NAME = "db-maintenance";
    private static final System.Logger LOG = System.getLogger(DbManager.class.getName());

    private final Database database;
    private final KnownVolumes knownVolumes;
    private final HistoryMaintenance history;

    MaintenanceLoop(Database database, KnownVolumes knownVolumes, HistoryMaintenance history) {
        this.database = database;
        this.knownVolumes = knownVolumes;
        this.history = history;
    }

    @Override
    public int doWork(long nowMillis) {
        if (!knownVolumes.loaded()) {
            loadKnownVolumes(database, knownVolumes);
        }
        try {
            history.doWork(nowMillis);
        } catch (SQLException | RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "history maintenance failed: " + e);
        }
        return 0;
    }

    /** Reads the registry's volume ids, so samples of unregistered volumes are refused from now on. */
    static void loadKnownVolumes(Database database, KnownVolumes knownVolumes) {
        try {
            knownVolumes.load(database.inTransaction(new RegistryRepository()::volumeIds));
            LOG.log(System.Logger.Level.INFO, "volume registry loaded");
        } catch (SQLException e) {
            LOG.log(
                    System.Logger.Level.WARNING,
                    "volume registry not loaded yet, samples of any volume accepted: " + e.getMessage());
        }
    }

    @Override
    public String roleName() {
        return ROLE_NAME;
    }
}
