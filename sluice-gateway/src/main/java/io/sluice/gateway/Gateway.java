package io.sluice.gateway;

import io.sluice.gateway.backend.Backend;
import io.sluice.gateway.backend.FileBackend;
import io.sluice.gateway.backend.UpstreamAddress;
import io.sluice.gateway.backend.UpstreamNbdBackend;
import io.sluice.gateway.export.BackendGroup;
import io.sluice.gateway.export.Export;
import io.sluice.gateway.export.Exports;
import io.sluice.gateway.export.PassThroughScheduler;
import io.sluice.gateway.qos.BackendLimits;
import io.sluice.gateway.qos.NanoClock;
import io.sluice.gateway.qos.QosControl;
import io.sluice.gateway.qos.QosScheduler;
import io.sluice.gateway.qos.QosSetting;
import io.sluice.gateway.server.NbdServer;
import io.sluice.gateway.server.NbdTls;
import io.sluice.gateway.stats.VolumeStats;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A running gateway: backends, then exports grouped by the backend they share (a scheduler and dispatcher threads per
 * group), then the NBD server; closed in the reverse order, so clients go first and backends last. {@link #qos()} and
 * {@link #stats()} are what the monitor link uses.
 */
public final class Gateway implements AutoCloseable {
    private final Exports exports;
    private final NbdServer server;
    private final InetSocketAddress address;
    private final QosControl qos;

    private Gateway(Exports exports, NbdServer server, InetSocketAddress address) {
        this.exports = exports;
        this.server = server;
        this.address = address;
        this.qos = new QosControl(exports);
    }

    public static Gateway start(GatewayContext context) throws IOException {
        Exports exports = new Exports();
        try {
            Map<String, BackendLimits> declared = new HashMap<>();
            context.backends().forEach(b -> declared.put(b.name(), b));
            Map<String, BackendGroup> groups = new HashMap<>();
            int id = 0;
            for (ExportConfig config : context.exports()) {
                Backend backend = open(config);
                BackendGroup group = group(context, config, declared, groups);
                Export export = new Export(
                        config.name(),
                        id++,
                        backend,
                        config.readOnly(),
                        config.shared(),
                        group,
                        context.access(config));
                if (group.scheduler() instanceof QosScheduler scheduler) {
                    scheduler.register(export, config.qos());
                }
                exports.add(export);
            }
            exports.start();
            NbdTls tls = context.tlsCertificates() == null
                    ? null
                    : NbdTls.load(context.tlsCertificates(), context.tlsRevocations());
            NbdServer server = new NbdServer(exports, tls, context.connections());
            InetSocketAddress bound = server.start(context.listen());
            return new Gateway(exports, server, bound);
        } catch (IOException | RuntimeException e) {
            exports.close();
            throw e;
        }
    }

    /** The export's backend group: the shared one it names, or one of its own. */
    private static BackendGroup group(
            GatewayContext context,
            ExportConfig config,
            Map<String, BackendLimits> declared,
            Map<String, BackendGroup> groups) {
        if (context.unthrottled()) {
            return new BackendGroup(config.name(), new PassThroughScheduler(context.queueDepth()), context.ioThreads());
        }
        if (config.backend() == null) {
            return qosGroup(new BackendLimits(config.name(), 0, context.ioThreads()), context);
        }
        return groups.computeIfAbsent(config.backend(), name -> qosGroup(declared.get(name), context));
    }

    private static BackendGroup qosGroup(BackendLimits limits, GatewayContext context) {
        return new BackendGroup(
                limits.name(), new QosScheduler(limits, context.queueDepth(), NanoClock.system()), limits.queueDepth());
    }

    private static Backend open(ExportConfig config) throws IOException {
        if (UpstreamAddress.isUri(config.target())) {
            return UpstreamNbdBackend.connect(UpstreamAddress.parse(config.target()));
        }
        return FileBackend.open(Path.of(config.target()), config.readOnly());
    }

    public InetSocketAddress address() {
        return address;
    }

    public Exports exports() {
        return exports;
    }

    /** Apply and read QoS parameters per volume. */
    public QosControl qos() {
        return qos;
    }

    /** A snapshot of every volume's statistics, in configuration order. */
    public List<VolumeStats> stats() {
        List<VolumeStats> volumes = new ArrayList<>();
        for (Export export : exports.all()) {
            QosSetting setting = qos.current(export.id());
            volumes.add(export.snapshot(setting == null ? 0 : setting.version()));
        }
        return volumes;
    }

    @Override
    public void close() {
        server.close();
        exports.close();
    }
}
