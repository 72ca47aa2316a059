package io.sluice.gateway;

import io.sluice.gateway.backend.Backend;
import io.sluice.gateway.backend.FileBackend;
import io.sluice.gateway.backend.UpstreamAddress;
import io.sluice.gateway.backend.UpstreamNbdBackend;
import io.sluice.gateway.export.Export;
import io.sluice.gateway.export.Exports;
import io.sluice.gateway.export.PassThroughScheduler;
import io.sluice.gateway.server.NbdServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;

/**
 * A running gateway: backends, then exports (scheduler and dispatcher per export), then the NBD
 * server; closed in the reverse order, so clients go first and backends last.
 */
public final class Gateway implements AutoCloseable {
    private final Exports exports;
    private final NbdServer server;
    private final InetSocketAddress address;

    private Gateway(Exports exports, NbdServer server, InetSocketAddress address) {
        this.exports = exports;
        this.server = server;
        this.address = address;
    }

    public static Gateway start(GatewayContext context) throws IOException {
        Exports exports = new Exports();
        try {
            for (ExportConfig config : context.exports()) {
                Backend backend = open(config);
                exports.add(new Export(config.name(), backend, config.readOnly(),
                        new PassThroughScheduler(context.queueDepth()), context.ioThreads()));
            }
            exports.start();
            NbdServer server = new NbdServer(exports, context.connections());
            InetSocketAddress bound = server.start(context.listen());
            return new Gateway(exports, server, bound);
        } catch (IOException | RuntimeException e) {
            exports.close();
            throw e;
        }
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

    @Override
    public void close() {
        server.close();
        exports.close();
    }
}
