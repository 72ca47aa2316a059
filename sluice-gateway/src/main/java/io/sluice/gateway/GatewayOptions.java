package io.sluice.gateway;

import io.sluice.common.CommandLineOptions;
import io.sluice.common.HostPort;
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
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * The gateway's command line (see {@link GatewayContext#USAGE}), read by picocli, and how it is laid over the YAML
 * configuration file: an option given overrides the file's setting, exports on the command line are added to the
 * file's, and {@code --monitor}s replace the file's list. Numbers and the TLS mode are read here, not by picocli, so
 * their errors say what they always have.
 */
@Command(name = "sluice-gateway")
final class GatewayOptions {
    @Option(names = "--config", description = "the YAML configuration file")
    Path config;

    @Option(names = "--stats-file")
    Path statsFile;

    @Option(names = "--unthrottled")
    boolean unthrottled;

    @Option(names = "--io-threads")
    String ioThreads;

    @Option(names = "--queue-depth")
    String queueDepth;

    @Option(names = "--request-slots")
    String requestSlots;

    @Option(names = "--buffer-memory-mib")
    String bufferMemoryMib;

    @Option(names = "--handshake-timeout-ms")
    String handshakeTimeoutMs;

    @Option(names = "--monitor", description = "repeatable: the servers of a pair, tried in turn")
    List<String> monitors = new ArrayList<>();

    @Option(names = "--gateway-id")
    String gatewayId;

    @Option(
            names = "--enrollment-token-file",
            description = "read from a file: every local user can read a command line")
    Path enrollmentTokenFile;

    @Option(names = "--tls-certificates")
    Path tlsCertificates;

    @Option(names = "--tls-revocations")
    Path tlsRevocations;

    @Option(names = "--tls")
    String tls;

    @Option(names = "--monitor-tls-ca")
    String monitorTlsCa;

    @Option(names = "--monitor-tls-cert")
    String monitorTlsCert;

    @Option(names = "--monitor-tls-key")
    String monitorTlsKey;

    @Option(names = "--monitor-state-dir")
    String monitorStateDir;

    @Option(names = "--monitor-insecure-plaintext")
    boolean monitorInsecurePlaintext;

    @Parameters(paramLabel = "HOST:PORT | NAME=TARGET[,ro]")
    List<String> positional = new ArrayList<>();

    /** The key file or the secret file, whichever the command line named last; both null when it named neither. */
    private String keyFile;

    private String secretFile;

    @Option(names = "--key-file")
    void keyFile(String file) {
        keyFile = file;
        secretFile = null;
    }

    @Option(names = "--secret-file")
    void secretFile(String file) {
        secretFile = file;
        keyFile = null;
    }

    /** The gateway's configuration from {@code args} and the file they name, if any. */
    static GatewayContext parse(String... args) {
        return CommandLineOptions.parse(new GatewayOptions(), args).context();
    }

    private GatewayContext context() {
        GatewayConfigFile file = config == null ? null : GatewayConfigFile.read(config);
        int threads = orDefault(file == null ? null : file.ioThreads(), 4);
        int depth = orDefault(file == null ? null : file.queueDepth(), 128);
        ConnectionSettings defaults = ConnectionSettings.DEFAULTS;
        int slots = file == null ? defaults.requestSlots() : orDefault(file.requestSlots(), defaults.requestSlots());
        long bufferMemory = file == null || file.bufferMemoryMib() == null
                ? defaults.bufferMemory()
                : (long) file.bufferMemoryMib() << 20;
        long handshakeTimeout = file == null || file.handshakeTimeoutMs() == null
                ? defaults.handshakeTimeoutMs()
                : file.handshakeTimeoutMs();
        Path stats = file == null || file.statsFile() == null ? null : Path.of(file.statsFile());
        InetSocketAddress listen = file == null || file.listen() == null ? null : listen(file.listen());
        List<ExportConfig> exports = new ArrayList<>(file == null ? List.of() : file.exportConfigs());
        GatewayConfigFile.Monitor m = file == null ? null : file.monitor();
        String token = m == null ? null : m.enrollmentToken();
        if (token != null) {
            try {
                PrivateFiles.checkSecret(config);
            } catch (IOException e) {
                throw new IllegalArgumentException(
                        "the configuration holds an enrollment token, so it must be as private as a key: "
                                + e.getMessage() + "; chmod 600 it");
            }
        }
        Path certificates = file == null || file.tlsCertificates() == null ? null : Path.of(file.tlsCertificates());
        Path revocations = file == null || file.tlsRevocations() == null ? null : Path.of(file.tlsRevocations());
        ExportAccess.Tls defaultTls = file == null || file.tls() == null ? null : ExportAccess.Tls.parse(file.tls());
        MonitorTlsFiles linkTls = m == null
                ? new MonitorTlsFiles(null, null, null, null)
                : new MonitorTlsFiles(m.tlsCa(), m.tlsCert(), m.tlsKey(), m.stateDir());
        boolean insecurePlaintext = monitorInsecurePlaintext || m != null && Boolean.TRUE.equals(m.insecurePlaintext());

        threads = ioThreads == null ? threads : number("--io-threads", ioThreads);
        depth = queueDepth == null ? depth : number("--queue-depth", queueDepth);
        slots = requestSlots == null ? slots : number("--request-slots", requestSlots);
        bufferMemory =
                bufferMemoryMib == null ? bufferMemory : (long) number("--buffer-memory-mib", bufferMemoryMib) << 20;
        handshakeTimeout =
                handshakeTimeoutMs == null ? handshakeTimeout : number("--handshake-timeout-ms", handshakeTimeoutMs);
        stats = statsFile == null ? stats : statsFile;
        certificates = tlsCertificates == null ? certificates : tlsCertificates;
        revocations = tlsRevocations == null ? revocations : tlsRevocations;
        defaultTls = tls == null ? defaultTls : ExportAccess.Tls.parse(tls);
        if (enrollmentTokenFile != null) {
            token = enrollmentToken(enrollmentTokenFile);
        }
        linkTls = monitorTlsCa == null ? linkTls : linkTls.withCa(monitorTlsCa);
        linkTls = monitorTlsCert == null ? linkTls : linkTls.withCert(monitorTlsCert);
        linkTls = monitorTlsKey == null ? linkTls : linkTls.withKey(monitorTlsKey);
        linkTls = monitorStateDir == null ? linkTls : linkTls.withStateDir(monitorStateDir);
        for (String arg : positional) {
            // Export specs always have NAME=, listen addresses never do.
            if (arg.indexOf('=') > 0) {
                exports.add(ExportConfig.parse(arg));
            } else {
                listen = listen(arg);
            }
        }
        ConnectionSettings connections = new ConnectionSettings(
                slots, defaults.bufferBudget(), bufferMemory, handshakeTimeout, defaults.maxConnections());
        List<BackendLimits> backends = file == null ? List.of() : file.backendLimits(threads);
        Long id = gatewayId != null ? Long.valueOf(gatewayId(gatewayId)) : m == null ? null : m.gatewayId();
        MonitorLinkConfig monitor = monitor(m, id, token, linkTls, insecurePlaintext);
        return new GatewayContext(
                listen,
                exports,
                threads,
                depth,
                connections,
                backends,
                unthrottled || file != null && Boolean.TRUE.equals(file.unthrottled()),
                stats,
                config,
                monitor,
                certificates,
                revocations,
                defaultTls);
    }

    /** The link to the monitor, or null without one. */
    private MonitorLinkConfig monitor(
            GatewayConfigFile.Monitor m, Long id, String token, MonitorTlsFiles linkTls, boolean insecurePlaintext) {
        List<String> addresses = !monitors.isEmpty() || m == null || m.address() == null ? monitors : m.address();
        if (m != null && addresses.isEmpty()) {
            throw new IllegalArgumentException("the monitor section needs an address (HOST:PORT, or a list of them)");
        }
        if (addresses.isEmpty()) {
            return null;
        }
        boolean credentialGiven = keyFile != null || secretFile != null;
        String key = credentialGiven ? keyFile : m == null ? null : m.keyFile();
        String secret = credentialGiven ? secretFile : m == null ? null : m.secretFile();
        // Unresolved: the monitor's name is looked up at each connection attempt, so a moved monitor is found.
        MonitorLinkConfig monitor = monitor(monitorAddresses(addresses), id, key, secret, token, m);
        if (linkTls.none() && !insecurePlaintext) {
            throw new IllegalArgumentException(
                    "refusing a plaintext link to the monitor, which anyone on the network could "
                            + "read and forge: give monitor.tls-ca and either tls-cert and tls-key or a state-dir to enroll in "
                            + "(--monitor-tls-ca, --monitor-tls-cert, --monitor-tls-key, --monitor-state-dir), or, for development "
                            + "only, monitor.insecure-plaintext: true (--monitor-insecure-plaintext)");
        }
        if (!linkTls.none() && insecurePlaintext) {
            throw new IllegalArgumentException(
                    "monitor.insecure-plaintext together with the link's TLS files: choose one");
        }
        return monitor.withTls(linkTls.identity(monitor.gatewayId()));
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

    private static int orDefault(Integer value, int otherwise) {
        return value == null ? otherwise : value;
    }

    private static int number(String option, String value) {
        try {
            return Integer.parseInt(value);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("not a number: " + option + "=" + value);
        }
    }

    /** Where the gateway listens, looked up now; port 0 picks a free one. */
    private static InetSocketAddress listen(String hostPort) {
        return HostPort.parseListen("listen address", hostPort).resolve();
    }
}
