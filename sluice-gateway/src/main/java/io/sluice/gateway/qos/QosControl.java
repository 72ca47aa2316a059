package io.sluice.gateway.qos;

import io.sluice.gateway.export.Export;
import io.sluice.gateway.export.Exports;

/**
 * The gateway's QoS as the monitor link (and the config file watcher) sees it: put a parameter set in force for a
 * volume, by export name or id, and read what is in force. Thread-safe; each call takes only the lock of the volume's
 * backend group, so it never stalls other groups' I/O.
 */
public final class QosControl {
    private final Export[] byId;

    public QosControl(Exports exports) {
        this.byId = exports.all().toArray(Export[]::new);
    }

    /** Applies {@code parameters} under {@code version}; returns a {@link QosStatus} code. */
    public int apply(String exportName, long version, QosParameters parameters) {
        return apply(idOf(exportName), version, parameters);
    }

    public int apply(int exportId, long version, QosParameters parameters) {
        if (exportId < 0 || exportId >= byId.length) {
            return QosStatus.NO_SUCH_VOLUME;
        }
        if (!(byId[exportId].scheduler() instanceof QosScheduler scheduler)) {
            return QosStatus.UNTHROTTLED;
        }
        return scheduler.apply(exportId, version, parameters);
    }

    /** The version and parameters in force; null for an unknown volume or an unthrottled gateway. */
    public QosSetting current(String exportName) {
        return current(idOf(exportName));
    }

    public QosSetting current(int exportId) {
        if (exportId < 0
                || exportId >= byId.length
                || !(byId[exportId].scheduler() instanceof QosScheduler scheduler)) {
            return null;
        }
        return scheduler.setting(exportId);
    }

    private int idOf(String exportName) {
        for (Export export : byId) {
            if (export.name().equals(exportName)) {
                return export.id();
            }
        }
        return -1;
    }
}
