package io.sluice.gateway;

import io.sluice.gateway.qos.BackendLimits;
import io.sluice.gateway.server.ConnectionSettings;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The gateway's validated configuration, from a YAML file ({@code --config FILE}), the command line,
 * or both (command-line options override the file's, command-line exports are added to its own):
 * <pre>
 *   [--config FILE] [--stats-file FILE] [--unthrottled] [--io-threads=N] [--queue-depth=N] [--request-slots=N]
 *     [--buffer-memory-mib=N] [--handshake-timeout-ms=N] [HOST:PORT] [NAME=TARGET[,ro]...]
 * </pre>
 *
 * @param ioThreads   requests in flight toward a backend that has no queue depth of its own
 * @param queueDepth  requests an export admits before its clients feel back-pressure
 * @param backends    backends declared in the config file, which exports share by name; an export
 *                    that names none gets a backend of its own with {@code ioThreads} and no
 *                    capacity limit
 * @param unthrottled no QoS at all: every export gets a first-come first-served queue
 * @param statsFile   where statistics are written as JSON every second, or null
 * @param configFile  the file read, watched for QoS changes, or null
 */
public record GatewayContext(InetSocketAddress listen, List<ExportConfig> exports, int ioThreads, int queueDepth,
                             ConnectionSettings connections, List<BackendLimits> backends, boolean unthrottled,
                             Path statsFile, Path configFile) {
    public static final String USAGE = """
            usage: sluice-gateway [--config FILE] [--stats-file FILE] [--unthrottled] [--io-threads=N] [--queue-depth=N]
                                  [--request-slots=N] [--buffer-memory-mib=N] [--handshake-timeout-ms=N]
                                  [HOST:PORT] [NAME=TARGET[,ro]...]
              TARGET is a file, a block device, nbd://HOST:PORT/EXPORT or nbd+unix:///EXPORT?socket=PATH;
              ',ro' serves it read-only. Port 0 picks a free port; the bound address is printed.
              The config file (YAML, see conf/gateway.example.yaml) adds backends and per-export QoS;
              its QoS settings are re-applied live when the file changes.""";

    public GatewayContext {
        exports = List.copyOf(exports);
        backends = List.copyOf(backends);
        if (listen == null) {
            throw new IllegalArgumentException("no listen address");
        }
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
        Set<String> backendNames = new HashSet<>();
        for (BackendLimits backend : backends) {
            if (!backendNames.add(backend.name())) {
                throw new IllegalArgumentException("backend names must be unique: " + backend.name());
            }
        }
        for (ExportConfig export : exports) {
            if (export.backend() != null && !backendNames.contains(export.backend())) {
                throw new IllegalArgumentException("export '" + export.name() + "' names an unknown backend: "
                        + export.backend());
            }
        }
    }

    public static GatewayContext parse(String... args) {
        GatewayConfigFile file = null;
        Path configFile = null;
        List<String> rest = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            if (arg.equals("--config") || arg.startsWith("--config=")) {
                String value = arg.equals("--config") ? value(args, ++i, arg) : arg.substring(arg.indexOf('=') + 1);
                configFile = Path.of(value);
                file = GatewayConfigFile.read(configFile);
            } else if (arg.equals("--stats-file")) {
                rest.add("--stats-file=" + value(args, ++i, arg));
            } else {
                rest.add(arg);
            }
        }
        int ioThreads = orDefault(file == null ? null : file.ioThreads(), 4);
        int queueDepth = orDefault(file == null ? null : file.queueDepth(), 128);
        ConnectionSettings defaults = ConnectionSettings.DEFAULTS;
        ConnectionSettings connections = file == null ? defaults : new ConnectionSettings(
                orDefault(file.requestSlots(), defaults.requestSlots()), defaults.bufferBudget(),
                file.bufferMemoryMib() == null ? defaults.bufferMemory() : (long) file.bufferMemoryMib() << 20,
                file.handshakeTimeoutMs() == null ? defaults.handshakeTimeoutMs() : file.handshakeTimeoutMs(),
                defaults.maxConnections());
        boolean unthrottled = file != null && file.unthrottled() != null && file.unthrottled();
        Path statsFile = file == null || file.statsFile() == null ? null : Path.of(file.statsFile());
        InetSocketAddress listen = file == null || file.listen() == null ? null : address(file.listen());
        List<ExportConfig> exports = new ArrayList<>(file == null ? List.of() : file.exportConfigs());
        for (String arg : rest) {
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
            } else if (arg.startsWith("--stats-file=")) {
                statsFile = Path.of(arg.substring(arg.indexOf('=') + 1));
            } else if (arg.equals("--unthrottled")) {
                unthrottled = true;
            } else if (arg.startsWith("--")) {
                throw new IllegalArgumentException("unknown option: " + arg);
            } else if (arg.indexOf('=') > 0) {
                // Export specs always have NAME=, listen addresses never do.
                exports.add(ExportConfig.parse(arg));
            } else {
                listen = address(arg);
            }
        }
        List<BackendLimits> backends = file == null ? List.of() : file.backendLimits(ioThreads);
        return new GatewayContext(listen, exports, ioThreads, queueDepth, connections, backends, unthrottled,
                statsFile, configFile);
    }

    private static String value(String[] args, int i, String option) {
        if (i >= args.length) {
            throw new IllegalArgumentException(option + " needs a value");
        }
        return args[i];
    }

    private static int orDefault(Integer value, int otherwise) {
        return value == null ? otherwise : value;
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
