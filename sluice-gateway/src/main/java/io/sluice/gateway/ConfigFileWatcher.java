package io.sluice.gateway;

import io.sluice.gateway.qos.QosControl;
import io.sluice.gateway.qos.QosStatus;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * Applies the config file's QoS settings live when the file changes, so a standalone gateway's limits can be changed
 * without a restart (other keys need one). The file's modification time, in microseconds, is the version of the
 * settings, so applying is idempotent and the monitor's own versions (also increasing) are never undone by a file that
 * did not change. Write the new file next to the old one and rename it over, so the watcher never reads half a file.
 * With a monitor configured the watcher is not started (see {@code GatewayMain}): the monitor's throttle sets rule.
 */
final class ConfigFileWatcher {
    private final Path file;
    private final QosControl qos;
    private final PrintStream err;
    private long seenVersion;

    ConfigFileWatcher(Path file, QosControl qos, PrintStream err) throws IOException {
        this.file = file;
        this.qos = qos;
        this.err = err;
        this.seenVersion = version();
    }

    void check() throws IOException {
        long version = version();
        if (version == seenVersion) {
            return;
        }
        // Remember it even if it is bad: one complaint per change, not one per second.
        seenVersion = version;
        GatewayConfigFile config;
        try {
            config = GatewayConfigFile.read(file);
            for (ExportConfig export : config.exportConfigs()) {
                int status = qos.apply(export.name(), version, export.qos());
                if (status != QosStatus.APPLIED && status != QosStatus.UNCHANGED) {
                    err.println("sluice-gateway: " + file + ": QoS of " + export.name() + " not applied: "
                            + QosStatus.name(status));
                }
            }
        } catch (IllegalArgumentException e) {
            err.println("sluice-gateway: " + file + " not applied: " + e.getMessage());
        }
    }

    private long version() throws IOException {
        return Files.getLastModifiedTime(file).to(TimeUnit.MICROSECONDS);
    }
}
