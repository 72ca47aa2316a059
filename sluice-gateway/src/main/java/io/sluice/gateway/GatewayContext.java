package io.sluice.gateway;

import io.sluice.gateway.server.ConnectionSettings;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;

/**
 * The gateway's validated configuration. Built from the command line for now:
 * <pre>
 *   [--io-threads=N] [--queue-depth=N] [--request-slots=N] [--buffer-memory-mib=N] [--handshake-timeout-ms=N]
 *     HOST:PORT NAME=TARGET[,ro]...
 * </pre>
 *
 * @param ioThreads   dispatcher threads per export: requests in flight toward one backend
 * @param queueDepth  requests an export admits before its clients feel back-pressure
 */
public record GatewayContext(InetSocketAddress listen, List<ExportConfig> exports, int ioThreads, int queueDepth,
                             ConnectionSettings connections) {
    public static final String USAGE = """
            usage: sluice-gateway [--io-threads=N] [--queue-depth=N] [--request-slots=N] [--buffer-memory-mib=N]
                                  [--handshake-timeout-ms=N] HOST:PORT NAME=TARGET[,ro]...
              TARGET is a file, a block device, nbd://HOST:PORT/EXPORT or nbd+unix:///EXPORT?socket=PATH;
              ',ro' serves it read-only. Port 0 picks a free port; the bound address is printed.""";

    public GatewayContext {
        exports = List.copyOf(exports);
        if (exports.isEmpty()) {
            throw new IllegalArgumentException("at least one export is needed");
        }
        if (exports.stream().map(ExportConfig::name).distinct().count() != exports.size()) {
            throw new IllegalArgumentException("export names must be unique");
        }
        if (ioThreads < 1 || ioThreads > 1024) {
            throw new IllegalArgumentException("--io-threads must be 1..1024: " + ioThreads);
        }
        if (queueDepth < 1 || queueDepth > 1 << 16) {
            throw new IllegalArgumentException("--queue-depth must be 1..65536: " + queueDepth);
        }
    }

    public static GatewayContext parse(String... args) {
        int ioThreads = 4;
        int queueDepth = 128;
        ConnectionSettings connections = ConnectionSettings.DEFAULTS;
        InetSocketAddress listen = null;
        List<ExportConfig> exports = new ArrayList<>();
        for (String arg : args) {
            if (arg.startsWith("--io-threads=")) {
                ioThreads = number(arg);
            } else if (arg.startsWith("--queue-depth=")) {
                queueDepth = number(arg);
            } else if (arg.startsWith("--request-slots=")) {
                connections = new ConnectionSettings(number(arg), connections.bufferBudget(),
                        connections.bufferMemory(), connections.handshakeTimeoutMs(), connections.maxConnections());
            } else if (arg.startsWith("--buffer-memory-mib=")) {
                connections = new ConnectionSettings(connections.requestSlots(), connections.bufferBudget(),
                        (long) number(arg) << 20, connections.handshakeTimeoutMs(), connections.maxConnections());
            } else if (arg.startsWith("--handshake-timeout-ms=")) {
                connections = new ConnectionSettings(connections.requestSlots(), connections.bufferBudget(),
                        connections.bufferMemory(), number(arg), connections.maxConnections());
            } else if (arg.startsWith("--")) {
                throw new IllegalArgumentException("unknown option: " + arg);
            } else if (listen == null) {
                listen = address(arg);
            } else {
                exports.add(ExportConfig.parse(arg));
            }
        }
        if (listen == null) {
            throw new IllegalArgumentException("no listen address");
        }
        return new GatewayContext(listen, exports, ioThreads, queueDepth, connections);
    }

    private static int number(String option) {
        String value = option.substring(option.indexOf('=') + 1);
        try {
            return Integer.parseInt(value);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("not a number: " + option);
        }
    }

    private static InetSocketAddress address(String hostPort) {
        int colon = hostPort.lastIndexOf(':');
        if (colon <= 0) {
            throw new IllegalArgumentException("listen address must be HOST:PORT: " + hostPort);
        }
        String host = hostPort.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        int port;
        try {
            port = Integer.parseInt(hostPort.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("bad port in " + hostPort);
        }
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port out of range: " + port);
        }
        return new InetSocketAddress(host, port);
    }
}
