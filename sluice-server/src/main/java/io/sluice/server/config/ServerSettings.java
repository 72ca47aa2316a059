package io.sluice.server.config;

import io.sluice.common.HostPort;
import io.sluice.db.HistoryLayout;
import io.sluice.db.lease.LeaseSettings;
import io.sluice.db.store.Engine;
import io.sluice.db.store.JdbcUrls;
import io.sluice.web.WebContext;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The SLA server's settings after the command line (given as a {@link ServerConfig} of the flags that were set) has
 * been laid over the configuration file and defaults filled in. Validated: a bad value is an
 * {@link IllegalArgumentException} that names the key.
 */
public record ServerSettings(
        String name,
        Path dataDir,
        Path runDir,
        Path mailboxDir,
        Path secretFile,
        long heartbeatTimeoutMillis,
        List<String> roles,
        Map<String, List<String>> jvmOptions,
        String monitorListen,
        long pollIntervalMillis,
        List<String> approve,
        int missLimit,
        int pairs,
        int maxPairs,
        long handshakeTimeoutMillis,
        int maxUnauthenticated,
        int maxUnauthenticatedPerAddress,
        int maxHandshakesInProgress,
        int maxHandshakesPerAddress,
        boolean monitorTls,
        List<String> monitorTlsNames,
        int gatewayCertificateDays,
        Path servicesBootstrap,
        String jdbcUrl,
        String jdbcUser,
        Path jdbcPasswordFile,
        boolean jdbcInsecureLink,
        HistoryLayout historyLayout,
        String webListen,
        VolumeLimits volumeLimits,
        WebAccess webAccess,
        Map<String, List<String>> sharedVolumes,
        HaSettings ha) {
    /**
     * How many volumes the server keeps state for: per gateway (the monitor refuses a gateway announcing more), in all
     * (the SLA services refuse new volumes beyond it), and how long a volume nobody reports on is kept.
     */
    public record VolumeLimits(int perGateway, int total, long expiryMillis) {
        public static final VolumeLimits DEFAULT = new VolumeLimits(4_096, 100_000, 600_000);

        public VolumeLimits {
            if (perGateway < 1 || perGateway > 4_096) {
                throw new IllegalArgumentException("monitor.max-volumes-per-gateway: 1..4096, was " + perGateway);
            }
            if (total < 1) {
                throw new IllegalArgumentException("services.max-volumes: at least 1, was " + total);
            }
            if (expiryMillis < 1_000) {
                throw new IllegalArgumentException("services.volume-expiry-ms: at least 1000, was " + expiryMillis);
            }
        }
    }

    /**
     * How people reach the web role: its public URL (null: its listen address), its own TLS certificate and key (null:
     * plain HTTP), and whether plain HTTP is allowed off loopback.
     */
    public record WebAccess(String publicUrl, Path tlsCertificate, Path tlsKey, boolean allowPlaintext) {}

    /** The roles in start order; shutdown goes the other way. */
    public static final List<String> ALL_ROLES = List.of("db", "services", "monitor", "web");

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,63}");
    private static final Pattern GATEWAY_IDS = Pattern.compile("[1-9][0-9]{0,18}(-[1-9][0-9]{0,18})?");

    public ServerSettings {
        if (!NAME.matcher(name).matches()) {
            throw new IllegalArgumentException(
                    "name: letters, digits, '.', '_' or '-', at most 64, was '" + name + "'");
        }
        if (heartbeatTimeoutMillis < 500) {
            throw new IllegalArgumentException("heartbeat-timeout-ms: at least 500, was " + heartbeatTimeoutMillis);
        }
        if (roles.isEmpty() || !Set.copyOf(ALL_ROLES).containsAll(roles)) {
            throw new IllegalArgumentException("roles: a non-empty subset of " + ALL_ROLES + ", was " + roles);
        }
        roles = ALL_ROLES.stream().filter(roles::contains).toList();
        for (String role : jvmOptions.keySet()) {
            if (!ALL_ROLES.contains(role)) {
                throw new IllegalArgumentException("jvm-options: no role '" + role + "', roles are " + ALL_ROLES);
            }
        }
        jvmOptions = Map.copyOf(jvmOptions);
        checkHostPort("monitor.listen", monitorListen);
        if (gatewayCertificateDays < 0 || gatewayCertificateDays > 3650) {
            throw new IllegalArgumentException(
                    "monitor.gateway-certificate-days: 0..3650, was " + gatewayCertificateDays);
        }
        checkHostPort("web.listen", webListen);
        if (pollIntervalMillis < 50 || pollIntervalMillis > 3_600_000) {
            throw new IllegalArgumentException("monitor.poll-interval-ms: 50..3600000, was " + pollIntervalMillis);
        }
        if (missLimit < 1 || pairs < 0) {
            throw new IllegalArgumentException("monitor.miss-limit must be >= 1 and monitor.pairs >= 0");
        }
        if (maxPairs < 0) {
            throw new IllegalArgumentException("monitor.max-pairs must be 0 (one per core) or more, was " + maxPairs);
        }
        if (handshakeTimeoutMillis < 100) {
            throw new IllegalArgumentException(
                    "monitor.handshake-timeout-ms: at least 100, was " + handshakeTimeoutMillis);
        }
        if (maxUnauthenticatedPerAddress < 1 || maxUnauthenticated < maxUnauthenticatedPerAddress) {
            throw new IllegalArgumentException(
                    "need 1 <= monitor.max-unauthenticated-per-address <= monitor.max-unauthenticated, was "
                            + maxUnauthenticatedPerAddress + " and " + maxUnauthenticated);
        }
        if (maxHandshakesInProgress < 0) {
            throw new IllegalArgumentException(
                    "monitor.max-handshakes-in-progress: 0 (four per core) or more, was " + maxHandshakesInProgress);
        }
        if (maxHandshakesPerAddress < 0
                || maxHandshakesInProgress > 0 && maxHandshakesPerAddress > maxHandshakesInProgress) {
            throw new IllegalArgumentException("monitor.max-handshakes-per-address: 0 (a quarter of the handshakes in "
                    + "progress) up to monitor.max-handshakes-in-progress, was " + maxHandshakesPerAddress);
        }
        approve = List.copyOf(approve);
        for (Map.Entry<String, List<String>> shared : sharedVolumes.entrySet()) {
            int length = shared.getKey().getBytes(StandardCharsets.UTF_8).length;
            if (length < 1 || length > 64 || shared.getKey().indexOf('=') >= 0) {
                throw new IllegalArgumentException(
                        "monitor.shared-volumes: a name is an export name of 1..64 bytes without '=', was '"
                                + shared.getKey() + "'");
            }
            if (shared.getValue() == null
                    || shared.getValue().isEmpty()
                    || !shared.getValue().stream()
                            .allMatch(ids ->
                                    ids != null && GATEWAY_IDS.matcher(ids).matches())) {
                throw new IllegalArgumentException(
                        "monitor.shared-volumes." + shared.getKey() + ": gateway ids or ranges "
                                + "(as in approve, e.g. [12, \"20-29\"]), was " + shared.getValue());
            }
        }
        sharedVolumes = Map.copyOf(sharedVolumes);
        if (roles.contains("monitor") && secretFile == null) {
            throw new IllegalArgumentException(
                    "secret-file: required (the deployment secret gateway keys derive from)");
        }
        if (secretFile != null && !Files.isReadable(secretFile)) {
            throw new IllegalArgumentException("secret-file: cannot read " + secretFile);
        }
        if (servicesBootstrap != null && !Files.isReadable(servicesBootstrap)) {
            throw new IllegalArgumentException("services.bootstrap: cannot read " + servicesBootstrap);
        }
        if (jdbcPasswordFile != null && !Files.isReadable(jdbcPasswordFile)) {
            throw new IllegalArgumentException("database.password-file: cannot read " + jdbcPasswordFile);
        }
        String linkProblem = roles.contains("db") ? JdbcUrls.linkProblem(jdbcUrl, jdbcInsecureLink) : null;
        if (linkProblem != null) {
            throw new IllegalArgumentException("database.jdbc-url: " + linkProblem);
        }
        checkWeb(webListen, webAccess, roles.contains("web"));
        if (ha != null) {
            checkHostPort("ha.advertise", ha.advertise());
            if (!roles.contains("monitor") || !roles.contains("db")) {
                throw new IllegalArgumentException(
                        "ha: a server in a pair runs at least the db and monitor roles, was " + roles);
            }
            if (jdbcUrl == null || Engine.of(jdbcUrl) != Engine.POSTGRESQL) {
                throw new IllegalArgumentException("ha: needs database.jdbc-url on PostgreSQL, the database the "
                        + "servers of a pair share (an embedded H2 is this host's alone)");
            }
        }
    }

    /** {@code ha}, from the file alone (the command line has no HA flags); null without the section. */
    private static HaSettings ha(ServerConfig.Ha ha) {
        if (ha == null) {
            return null;
        }
        if (ha.advertise() == null) {
            throw new IllegalArgumentException(
                    "ha.advertise: required, this server's monitor address as gateways " + "dial it");
        }
        try {
            LeaseSettings lease = new LeaseSettings(
                    ha.advertise(),
                    first(ha.leaseDurationMs(), LeaseSettings.DEFAULT_DURATION_MILLIS),
                    first(ha.safetyMarginMs(), LeaseSettings.DEFAULT_SAFETY_MARGIN_MILLIS),
                    first(ha.renewEveryMs(), LeaseSettings.DEFAULT_RETRY_EVERY_MILLIS));
            return new HaSettings(ha.advertise(), lease);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("ha: " + e.getMessage(), e);
        }
    }

    private static void checkWeb(String listen, WebAccess access, boolean runsHere) {
        if ((access.tlsCertificate() == null) != (access.tlsKey() == null)) {
            throw new IllegalArgumentException("web.tls: give both certificate and key");
        }
        for (Path file : new Path[] {access.tlsCertificate(), access.tlsKey()}) {
            if (file != null && !Files.isReadable(file)) {
                throw new IllegalArgumentException("web.tls: cannot read " + file);
            }
        }
        if (!runsHere) {
            return;
        }
        try {
            WebContext.checkPlaintext(
                    HostPort.parseListen("web.listen", listen).host(),
                    access.publicUrl(),
                    access.tlsCertificate() != null,
                    access.allowPlaintext());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(
                    "web.listen " + listen + " (web.public-url, web.tls, web.allow-plaintext): " + e.getMessage(), e);
        }
    }

    /** The configuration's own wording, with the parser's reason as the cause. */
    private static void checkHostPort(String key, String value) {
        try {
            HostPort.parseListen(key, value);
        } catch (HostPort.Invalid e) {
            throw new IllegalArgumentException(key + ": HOST:PORT, was '" + value + "'", e);
        }
    }

    /** {@code flags} over {@code file} over the defaults. */
    public static ServerSettings resolve(ServerConfig file, ServerConfig flags) {
        ServerConfig.Monitor fm = file.monitorOrEmpty();
        ServerConfig.Monitor gm = flags.monitorOrEmpty();
        ServerConfig.Database fd = file.databaseOrEmpty();
        ServerConfig.Database gd = flags.databaseOrEmpty();
        Path dataDir = Path.of(first(flags.dataDir(), file.dataDir(), "data")).toAbsolutePath();
        String runDir = first(flags.runDir(), file.runDir(), null);
        String bootstrap = first(
                flags.servicesOrEmpty().bootstrap(), file.servicesOrEmpty().bootstrap(), null);
        String secret = first(flags.secretFile(), file.secretFile(), null);
        String password = first(gd.passwordFile(), fd.passwordFile(), null);
        ServerConfig.Web fw = file.webOrEmpty();
        ServerConfig.Web gw = flags.webOrEmpty();
        ServerConfig.Tls tls = first(gw.tls(), fw.tls(), new ServerConfig.Tls(null, null));
        boolean insecurePlaintext = first(gm.insecurePlaintext(), fm.insecurePlaintext(), false);
        boolean monitorTls = first(gm.tls(), fm.tls(), !insecurePlaintext);
        if (!monitorTls && !insecurePlaintext) {
            throw new IllegalArgumentException(
                    "monitor.tls: false would leave the gateway link in plaintext, which anyone on "
                            + "the network can read and forge; set monitor.insecure-plaintext: true to accept that (development only)");
        }
        return new ServerSettings(
                first(flags.name(), file.name(), "sluice"),
                dataDir,
                runDir == null ? dataDir.resolve("run") : Path.of(runDir).toAbsolutePath(),
                Path.of(first(flags.mailboxDir(), file.mailboxDir(), "/dev/shm"))
                        .toAbsolutePath(),
                secret == null ? null : Path.of(secret).toAbsolutePath(),
                first(flags.heartbeatTimeoutMs(), file.heartbeatTimeoutMs(), 5_000L),
                first(flags.roles(), file.roles(), ALL_ROLES),
                first(flags.jvmOptions(), file.jvmOptions(), Map.of()),
                first(gm.listen(), fm.listen(), "127.0.0.1:7070"),
                first(gm.pollIntervalMs(), fm.pollIntervalMs(), 1_000L),
                first(gm.approve(), fm.approve(), List.of()),
                first(gm.missLimit(), fm.missLimit(), 3),
                first(gm.pairs(), fm.pairs(), 0),
                first(gm.maxPairs(), fm.maxPairs(), 0),
                first(gm.handshakeTimeoutMs(), fm.handshakeTimeoutMs(), 5_000L),
                first(gm.maxUnauthenticated(), fm.maxUnauthenticated(), 1_024),
                first(gm.maxUnauthenticatedPerAddress(), fm.maxUnauthenticatedPerAddress(), 128),
                first(gm.maxHandshakesInProgress(), fm.maxHandshakesInProgress(), 0),
                first(gm.maxHandshakesPerAddress(), fm.maxHandshakesPerAddress(), 0),
                monitorTls,
                first(gm.tlsNames(), fm.tlsNames(), List.of()),
                first(gm.gatewayCertificateDays(), fm.gatewayCertificateDays(), 30),
                bootstrap == null ? null : Path.of(bootstrap).toAbsolutePath(),
                first(gd.jdbcUrl(), fd.jdbcUrl(), null),
                first(gd.user(), fd.user(), null),
                password == null ? null : Path.of(password).toAbsolutePath(),
                first(gd.insecureLink(), fd.insecureLink(), false),
                HistoryLayout.of("database.history-layout", first(gd.historyLayout(), fd.historyLayout(), "rows")),
                first(gw.listen(), fw.listen(), "127.0.0.1:8080"),
                new VolumeLimits(
                        first(gm.maxVolumesPerGateway(), fm.maxVolumesPerGateway(), VolumeLimits.DEFAULT.perGateway()),
                        first(
                                flags.servicesOrEmpty().maxVolumes(),
                                file.servicesOrEmpty().maxVolumes(),
                                VolumeLimits.DEFAULT.total()),
                        first(
                                flags.servicesOrEmpty().volumeExpiryMs(),
                                file.servicesOrEmpty().volumeExpiryMs(),
                                VolumeLimits.DEFAULT.expiryMillis())),
                new WebAccess(
                        first(gw.publicUrl(), fw.publicUrl(), null),
                        tls.certificate() == null
                                ? null
                                : Path.of(tls.certificate()).toAbsolutePath(),
                        tls.key() == null ? null : Path.of(tls.key()).toAbsolutePath(),
                        first(gw.allowPlaintext(), fw.allowPlaintext(), false)),
                first(gm.sharedVolumes(), fm.sharedVolumes(), Map.of()),
                ha(first(flags.ha(), file.ha())));
    }

    @SafeVarargs
    private static <T> T first(T... candidates) {
        for (T candidate : candidates) {
            if (candidate != null) {
                return candidate;
            }
        }
        return null;
    }
}
