package io.sluice.gateway;

import io.sluice.common.PrivateFiles;
import io.sluice.gateway.export.ExportAccess;
import io.sluice.gateway.link.MonitorLinkConfig;
import io.sluice.gateway.qos.BackendLimits;
import io.sluice.gateway.server.ConnectionSettings;
import io.sluice.protocol.GatewayKeys;
import io.sluice.protocol.MonitorAddress;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The gateway's validated configuration, from a YAML file ({@code --config FILE}), the command line, or both
 * (command-line options override the file's, command-line exports are added to its own):
 *
 * <pre>
 *   [--config FILE] [--stats-file FILE] [--unthrottled] [--io-threads=N] [--queue-depth=N] [--request-slots=N]
 *     [--buffer-memory-mib=N] [--handshake-timeout-ms=N] [HOST:PORT] [NAME=TARGET[,ro]...]
 * </pre>
 *
 * @param ioThreads requests in flight toward a backend that has no queue depth of its own
 * @param queueDepth requests an export admits before its clients feel back-pressure
 * @param backends backends declared in the config file, which exports share by name; an export that names none gets a
 *     backend of its own with {@code ioThreads} and no capacity limit
 * @param unthrottled no QoS at all: every export gets a first-come first-served queue
 * @param statsFile where statistics are written as JSON every second, or null
 * @param configFile the file read, watched for QoS changes (only without a monitor), or null
 * @param monitor the link to the monitor, or null to run standalone
 * @param tlsCertificates the NBD server's TLS directory (ca-cert.pem, server-cert.pem, server-key.pem), or null for
 *     plaintext only
 * @param tlsRevocations the CA's revocation list (sluice pki's {@code revoked} file), or null
 * @param defaultTls the TLS mode of an export that names none
 */
public record GatewayContext(
        InetSocketAddress listen,
        List<ExportConfig> exports,
        int ioThreads,
        int queueDepth,
        ConnectionSettings connections,
        List<BackendLimits> backends,
        boolean unthrottled,
        Path statsFile,
        Path configFile,
        MonitorLinkConfig monitor,
        Path tlsCertificates,
        Path tlsRevocations,
        ExportAccess.Tls defaultTls) {
    public static final String USAGE = """
            usage: sluice-gateway [--config FILE] [--stats-file FILE] [--unthrottled] [--io-threads=N] [--queue-depth=N]
                                  [--request-slots=N] [--buffer-memory-mib=N] [--handshake-timeout-ms=N]
                                  [--monitor=HOST:PORT... --gateway-id=N (--key-file=F | --secret-file=F)
                                   [--enrollment-token-file=F]
                                   (--monitor-tls-ca=F (--monitor-tls-cert=F --monitor-tls-key=F | --monitor-state-dir=DIR)
                                    | --monitor-insecure-plaintext)]
                                  [--tls-certificates=DIR [--tls-revocations=FILE] [--tls=require|allow|off]]
                                  [HOST:PORT] [NAME=TARGET[,ro]...]
              TARGET is a file, a block device, nbd://HOST:PORT/EXPORT or nbd+unix:///EXPORT?socket=PATH;
              --tls-certificates DIR holds ca-cert.pem, server-cert.pem and server-key.pem (as for nbdkit):
              NBD clients may then start TLS, and exports require it unless --tls (or an export's tls:) says so;
              --tls-revocations FILE (sluice pki's <data-dir>/pki/revoked) refuses withdrawn client certificates.
              --monitor may be repeated: the servers of a pair, tried in turn; a standby sends the gateway on
              to the active one. The monitor link is TLS 1.3: with the operator's certificate, or one the gateway enrolls for with its
              enrollment token and keeps (and renews) in --monitor-state-dir; plaintext only if told so.
              ',ro' serves it read-only. Port 0 picks a free port; the bound address is printed.
              The config file (YAML, see conf/gateway.example.yaml) adds backends and per-export QoS;
              its QoS settings are re-applied live when the file changes, unless a monitor is configured:
              then the monitor's throttle sets rule and the file's QoS is only the starting point.""";

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
        if (tlsRevocations != null && tlsCertificates == null) {
            throw new IllegalArgumentException("tls-revocations needs tls-certificates");
        }
        if (defaultTls == null) {
            defaultTls = tlsCertificates != null ? ExportAccess.Tls.REQUIRE : ExportAccess.Tls.ALLOW;
        }
        for (ExportConfig export : exports) {
            ExportAccess access = access(export, defaultTls);
            if (tlsCertificates == null
                    && (access.tls() == ExportAccess.Tls.REQUIRE || access.restrictsCertificates())) {
                throw new IllegalArgumentException("export '" + export.name()
                        + "' requires TLS, but the gateway has no tls-certificates (--tls-certificates)");
            }
            if (export.backend() != null && !backendNames.contains(export.backend())) {
                throw new IllegalArgumentException(
                        "export '" + export.name() + "' names an unknown backend: " + export.backend());
            }
        }
    }

    /** Who may use {@code export}: its own access rule, with the gateway's default TLS mode. */
    public ExportAccess access(ExportConfig export) {
        return access(export, defaultTls);
    }

    private static ExportAccess access(ExportConfig export, ExportAccess.Tls defaultTls) {
        try {
            return export.access().resolve(defaultTls);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("export '" + export.name() + "': " + e.getMessage());
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
        ConnectionSettings connections = file == null
                ? defaults
                : new ConnectionSettings(
                        orDefault(file.requestSlots(), defaults.requestSlots()),
                        defaults.bufferBudget(),
                        file.bufferMemoryMib() == null ? defaults.bufferMemory() : (long) file.bufferMemoryMib() << 20,
                        file.handshakeTimeoutMs() == null ? defaults.handshakeTimeoutMs() : file.handshakeTimeoutMs(),
                        defaults.maxConnections());
        boolean unthrottled = file != null && file.unthrottled() != null && file.unthrottled();
        Path statsFile = file == null || file.statsFile() == null ? null : Path.of(file.statsFile());
        InetSocketAddress listen = file == null || file.listen() == null ? null : address(file.listen());
        List<ExportConfig> exports = new ArrayList<>(file == null ? List.of() : file.exportConfigs());
        GatewayConfigFile.Monitor m = file == null ? null : file.monitor();
        List<String> monitorAddresses = m == null || m.address() == null ? List.of() : m.address();
        boolean monitorsFromCommandLine = false;
        Long gatewayId = m == null ? null : m.gatewayId();
        String keyFile = m == null ? null : m.keyFile();
        String secretFile = m == null ? null : m.secretFile();
        String token = m == null ? null : m.enrollmentToken();
        if (token != null) {
            try {
                PrivateFiles.checkSecret(configFile);
            } catch (IOException e) {
                throw new IllegalArgumentException(
                        "the configuration holds an enrollment token, so it must be as private as a key: "
                                + e.getMessage() + "; chmod 600 it");
            }
        }
        Path tlsCertificates = file == null || file.tlsCertificates() == null ? null : Path.of(file.tlsCertificates());
        Path tlsRevocations = file == null || file.tlsRevocations() == null ? null : Path.of(file.tlsRevocations());
        ExportAccess.Tls defaultTls = file == null || file.tls() == null ? null : ExportAccess.Tls.parse(file.tls());
        MonitorTlsFiles tls = new MonitorTlsFiles(
                m == null ? null : m.tlsCa(),
                m == null ? null : m.tlsCert(),
                m == null ? null : m.tlsKey(),
                m == null ? null : m.stateDir());
        boolean insecurePlaintext = m != null && Boolean.TRUE.equals(m.insecurePlaintext());
        for (String arg : rest) {
            if (arg.startsWith("--io-threads=")) {
                ioThreads = number(arg);
            } else if (arg.startsWith("--queue-depth=")) {
                queueDepth = number(arg);
            } else if (arg.startsWith("--request-slots=")) {
                connections = new ConnectionSettings(
                        number(arg),
                        connections.bufferBudget(),
                        connections.bufferMemory(),
                        connections.handshakeTimeoutMs(),
                        connections.maxConnections());
            } else if (arg.startsWith("--buffer-memory-mib=")) {
                connections = new ConnectionSettings(
                        connections.requestSlots(),
                        connections.bufferBudget(),
                        (long) number(arg) << 20,
                        connections.handshakeTimeoutMs(),
                        connections.maxConnections());
            } else if (arg.startsWith("--handshake-timeout-ms=")) {
                connections = new ConnectionSettings(
                        connections.requestSlots(),
                        connections.bufferBudget(),
                        connections.bufferMemory(),
                        number(arg),
                        connections.maxConnections());
            } else if (arg.startsWith("--stats-file=")) {
                statsFile = Path.of(arg.substring(arg.indexOf('=') + 1));
            } else if (arg.startsWith("--monitor=")) {
                // Repeatable; the command line's list replaces the file's.
                if (!monitorsFromCommandLine) {
                    monitorAddresses = new ArrayList<>();
                    monitorsFromCommandLine = true;
                }
                monitorAddresses.add(arg.substring(arg.indexOf('=') + 1));
            } else if (arg.startsWith("--gateway-id=")) {
                gatewayId = gatewayId(arg.substring(arg.indexOf('=') + 1));
            } else if (arg.startsWith("--key-file=")) {
                keyFile = arg.substring(arg.indexOf('=') + 1);
                secretFile = null;
            } else if (arg.startsWith("--secret-file=")) {
                secretFile = arg.substring(arg.indexOf('=') + 1);
                keyFile = null;
            } else if (arg.startsWith("--enrollment-token-file=")) {
                // Read from a file: every local user can read a command line.
                token = enrollmentToken(Path.of(arg.substring(arg.indexOf('=') + 1)));
            } else if (arg.startsWith("--tls-certificates=")) {
                tlsCertificates = Path.of(arg.substring(arg.indexOf('=') + 1));
            } else if (arg.startsWith("--tls-revocations=")) {
                tlsRevocations = Path.of(arg.substring(arg.indexOf('=') + 1));
            } else if (arg.startsWith("--tls=")) {
                defaultTls = ExportAccess.Tls.parse(arg.substring(arg.indexOf('=') + 1));
            } else if (arg.startsWith("--monitor-tls-ca=")) {
                tls = tls.withCa(arg.substring(arg.indexOf('=') + 1));
            } else if (arg.startsWith("--monitor-tls-cert=")) {
                tls = tls.withCert(arg.substring(arg.indexOf('=') + 1));
            } else if (arg.startsWith("--monitor-tls-key=")) {
                tls = tls.withKey(arg.substring(arg.indexOf('=') + 1));
            } else if (arg.equals("--monitor-insecure-plaintext")) {
                insecurePlaintext = true;
            } else if (arg.startsWith("--monitor-state-dir=")) {
                tls = tls.withStateDir(arg.substring(arg.indexOf('=') + 1));
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
        if (m != null && monitorAddresses.isEmpty()) {
            throw new IllegalArgumentException("the monitor section needs an address (HOST:PORT, or a list of them)");
        }
        // Unresolved: the monitor's name is looked up at each connection attempt, so a moved monitor is found.
        MonitorLinkConfig monitor = monitorAddresses.isEmpty()
                ? null
                : monitor(monitorAddresses(monitorAddresses), gatewayId, keyFile, secretFile, token, m);
        if (monitor != null) {
            if (tls.none() && !insecurePlaintext) {
                throw new IllegalArgumentException(
                        "refusing a plaintext link to the monitor, which anyone on the network could "
                                + "read and forge: give monitor.tls-ca and either tls-cert and tls-key or a state-dir to enroll in "
                                + "(--monitor-tls-ca, --monitor-tls-cert, --monitor-tls-key, --monitor-state-dir), or, for development "
                                + "only, monitor.insecure-plaintext: true (--monitor-insecure-plaintext)");
            }
            if (!tls.none() && insecurePlaintext) {
                throw new IllegalArgumentException(
                        "monitor.insecure-plaintext together with the link's TLS files: choose one");
            }
            monitor = monitor.withTls(tls.identity(monitor.gatewayId()));
        }
        return new GatewayContext(
                listen,
                exports,
                ioThreads,
                queueDepth,
                connections,
                backends,
                unthrottled,
                statsFile,
                configFile,
                monitor,
                tlsCertificates,
                tlsRevocations,
                defaultTls);
    }

    /** Each {@code HOST:PORT}, unresolved, in the order given; the same monitor twice is an error. */
    private static List<InetSocketAddress> monitorAddresses(List<String> hostPorts) {
        List<InetSocketAddress> addresses = new ArrayList<>();
        for (String hostPort : hostPorts) {
            InetSocketAddress address = MonitorAddress.parse(hostPort == null ? "" : hostPort.strip());
            if (addresses.contains(address)) {
                throw new IllegalArgumentException("monitor " + hostPort + " is listed twice");
            }
            addresses.add(address);
        }
        return addresses;
    }

    /** The key is the key file's bytes, or derived from the deployment secret file's bytes and the id. */
    private static MonitorLinkConfig monitor(
            List<InetSocketAddress> address,
            Long gatewayId,
            String keyFile,
            String secretFile,
            String token,
            GatewayConfigFile.Monitor m) {
        if (gatewayId == null || gatewayId == 0) {
            throw new IllegalArgumentException(
                    "a monitor needs a gateway id (monitor.gateway-id or --gateway-id), not 0");
        }
        if ((keyFile == null) == (secretFile == null)) {
            throw new IllegalArgumentException(
                    "a monitor needs exactly one of key-file (--key-file) and secret-file (--secret-file)");
        }
        byte[] key;
        try {
            key = keyFile != null
                    ? PrivateFiles.readSecret(Path.of(keyFile))
                    : GatewayKeys.derive(PrivateFiles.readSecret(Path.of(secretFile)), gatewayId);
        } catch (PrivateFiles.NotPrivateException e) {
            throw new IllegalArgumentException(e.getMessage() + "; chmod 600 it");
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read " + (keyFile != null ? keyFile : secretFile) + ": " + e);
        }
        MonitorLinkConfig d = MonitorLinkConfig.of(address, gatewayId, key);
        if (m == null) {
            return d.withEnrollmentToken(token);
        }
        return new MonitorLinkConfig(
                address,
                gatewayId,
                key,
                token == null ? null : token.getBytes(StandardCharsets.UTF_8),
                m.gatewayName(),
                m.heartbeatMs() == null ? d.heartbeatMillis() : m.heartbeatMs(),
                m.backoffMinMs() == null ? d.backoffMinMillis() : m.backoffMinMs(),
                m.backoffMaxMs() == null ? d.backoffMaxMillis() : m.backoffMaxMs(),
                m.connectTimeoutMs() == null ? d.connectTimeoutMillis() : m.connectTimeoutMs(),
                m.capacityWarningPercent() == null ? d.capacityWarningPercent() : m.capacityWarningPercent(),
                m.volumeIdBase() == null ? 0 : m.volumeIdBase(),
                null);
    }

    private static String enrollmentToken(Path file) {
        try {
            return new String(PrivateFiles.readSecret(file), StandardCharsets.UTF_8).strip();
        } catch (PrivateFiles.NotPrivateException e) {
            throw new IllegalArgumentException(e.getMessage() + "; chmod 600 it");
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read the enrollment token file " + file + ": " + e);
        }
    }

    private static long gatewayId(String value) {
        try {
            return Long.parseUnsignedLong(value);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("not a gateway id: " + value);
        }
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
            throw new IllegalArgumentException("address must be HOST:PORT: " + hostPort);
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
