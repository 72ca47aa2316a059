package io.sluice.server.config;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The SLA server's settings after the command line (given as a {@link ServerConfig} of the flags that
 * were set) has been laid over the configuration file and defaults filled in. Validated: a bad value
 * is an {@link IllegalArgumentException} that names the key.
 */
public record ServerSettings(String name, Path dataDir, Path runDir, Path mailboxDir, Path secretFile,
                             long heartbeatTimeoutMillis, List<String> roles, Map<String, List<String>> jvmOptions,
                             String monitorListen, long pollIntervalMillis, List<String> approve, int missLimit,
                             int pairs, long handshakeTimeoutMillis, int maxUnauthenticated,
                             int maxUnauthenticatedPerAddress, boolean monitorTls, List<String> monitorTlsNames,
                             Path servicesBootstrap, String jdbcUrl, String jdbcUser,
                             Path jdbcPasswordFile, String webListen) {
    /** The roles in start order; shutdown goes the other way. */
    public static final List<String> ALL_ROLES = List.of("db", "services", "monitor", "web");
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,63}");
    private static final Pattern HOST_PORT = Pattern.compile("(\\[[0-9A-Fa-f:.]+]|[^:\\s]+):\\d{1,5}");

    public ServerSettings {
        if (!NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("name: letters, digits, '.', '_' or '-', at most 64, was '" + name + "'");
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
        checkHostPort("web.listen", webListen);
        if (pollIntervalMillis < 50 || pollIntervalMillis > 3_600_000) {
            throw new IllegalArgumentException("monitor.poll-interval-ms: 50..3600000, was " + pollIntervalMillis);
        }
        if (missLimit < 1 || pairs < 0) {
            throw new IllegalArgumentException("monitor.miss-limit must be >= 1 and monitor.pairs >= 0");
        }
        if (handshakeTimeoutMillis < 100) {
            throw new IllegalArgumentException("monitor.handshake-timeout-ms: at least 100, was " + handshakeTimeoutMillis);
        }
        if (maxUnauthenticatedPerAddress < 1 || maxUnauthenticated < maxUnauthenticatedPerAddress) {
            throw new IllegalArgumentException("need 1 <= monitor.max-unauthenticated-per-address <= monitor.max-unauthenticated, was "
                    + maxUnauthenticatedPerAddress + " and " + maxUnauthenticated);
        }
        approve = List.copyOf(approve);
        if (roles.contains("monitor") && secretFile == null) {
            throw new IllegalArgumentException("secret-file: required (the deployment secret gateway keys derive from)");
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
    }

    private static void checkHostPort(String key, String value) {
        if (!HOST_PORT.matcher(value).matches() || Integer.parseInt(value.substring(value.lastIndexOf(':') + 1)) > 65535) {
            throw new IllegalArgumentException(key + ": HOST:PORT, was '" + value + "'");
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
        String bootstrap = first(flags.servicesOrEmpty().bootstrap(), file.servicesOrEmpty().bootstrap(), null);
        String secret = first(flags.secretFile(), file.secretFile(), null);
        String password = first(gd.passwordFile(), fd.passwordFile(), null);
        return new ServerSettings(
                first(flags.name(), file.name(), "sluice"),
                dataDir,
                runDir == null ? dataDir.resolve("run") : Path.of(runDir).toAbsolutePath(),
                Path.of(first(flags.mailboxDir(), file.mailboxDir(), "/dev/shm")).toAbsolutePath(),
                secret == null ? null : Path.of(secret).toAbsolutePath(),
                first(flags.heartbeatTimeoutMs(), file.heartbeatTimeoutMs(), 5_000L),
                first(flags.roles(), file.roles(), ALL_ROLES),
                first(flags.jvmOptions(), file.jvmOptions(), Map.of()),
                first(gm.listen(), fm.listen(), "127.0.0.1:7070"),
                first(gm.pollIntervalMs(), fm.pollIntervalMs(), 1_000L),
                first(gm.approve(), fm.approve(), List.of()),
                first(gm.missLimit(), fm.missLimit(), 3),
                first(gm.pairs(), fm.pairs(), 0),
                first(gm.handshakeTimeoutMs(), fm.handshakeTimeoutMs(), 5_000L),
                first(gm.maxUnauthenticated(), fm.maxUnauthenticated(), 1_024),
                first(gm.maxUnauthenticatedPerAddress(), fm.maxUnauthenticatedPerAddress(), 128),
                first(gm.tls(), fm.tls(), false),
                first(gm.tlsNames(), fm.tlsNames(), List.of()),
                bootstrap == null ? null : Path.of(bootstrap).toAbsolutePath(),
                first(gd.jdbcUrl(), fd.jdbcUrl(), null),
                first(gd.user(), fd.user(), null),
                password == null ? null : Path.of(password).toAbsolutePath(),
                first(flags.webOrEmpty().listen(), file.webOrEmpty().listen(), "127.0.0.1:8080"));
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
