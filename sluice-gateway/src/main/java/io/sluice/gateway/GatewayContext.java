package io.sluice.gateway;

import io.sluice.gateway.export.ExportAccess;
import io.sluice.gateway.link.MonitorLinkConfig;
import io.sluice.gateway.qos.BackendLimits;
import io.sluice.gateway.server.ConnectionSettings;
import java.net.InetSocketAddress;
import java.nio.file.Path;
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

    /** The configuration from the command line and the file its {@code --config} names (see {@link #USAGE}). */
    public static GatewayContext parse(String... args) {
        return GatewayOptions.parse(args);
    }
}
