package io.sluice.server.config;

import io.sluice.common.EpochClock;
import io.sluice.common.HostPort;
import io.sluice.common.PrivateFiles;
import io.sluice.db.HistoryLayout;
import io.sluice.mailbox.MailboxGeometry;
import io.sluice.mailbox.ServerMailboxes;
import io.sluice.pki.CertificateAuthority;
import io.sluice.server.supervisor.RoleSpec;
import io.sluice.server.supervisor.Supervisor;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * Turns {@link ServerSettings} into what the supervisor runs: the mailboxes to create and, per role, the {@code sluice}
 * subcommand line, in start order (database, services, monitor, web: each role's callees are up before its callers).
 */
public final class RoleCatalog {
    private RoleCatalog() {}

    public static Path mailbox(ServerSettings s, String suffix) {
        return ServerMailboxes.file(s.mailboxDir(), s.name(), suffix);
    }

    public static Map<Path, MailboxGeometry> mailboxes(ServerSettings s) {
        Map<Path, MailboxGeometry> boxes = new LinkedHashMap<>();
        boxes.put(mailbox(s, ServerMailboxes.DB_SUFFIX), ServerMailboxes.DB);
        boxes.put(mailbox(s, ServerMailboxes.SERVICES_SUFFIX), ServerMailboxes.SERVICES);
        boxes.put(mailbox(s, ServerMailboxes.SERVICES_QUERIES_SUFFIX), ServerMailboxes.SERVICES_QUERIES);
        boxes.put(mailbox(s, ServerMailboxes.MONITOR_SUFFIX), ServerMailboxes.MONITOR);
        return boxes;
    }

    /**
     * Deletes the server's mailboxes and their directory, for whoever created them and is done (the demo, a test): a
     * running server keeps them, so calls in flight outlive a role's restart.
     */
    public static void removeMailboxes(ServerSettings s) throws IOException {
        for (Path mailbox : mailboxes(s).keySet()) {
            Files.deleteIfExists(mailbox);
        }
        try {
            Files.deleteIfExists(ServerMailboxes.directory(s.mailboxDir(), s.name()));
        } catch (DirectoryNotEmptyException e) {
            // something else of the operator's lives there: left as it is
        }
    }

    /**
     * Where the supervisor leaves the database URL for the db role: a URL may hold a password, and every local user can
     * read a command line ({@code ps}, /proc/PID/cmdline), so it goes in a 0600 file.
     */
    public static Path jdbcUrlFile(ServerSettings s) {
        return s.runDir().resolve("secrets").resolve("db.jdbc-url");
    }

    /**
     * A supervisor (not started) of {@code roles} for the server of {@code s}: its run directory, mailboxes and
     * heartbeat timeout, the roles started on this JVM's class path, on the system clock.
     */
    public static Supervisor supervisor(ServerSettings s, List<RoleSpec> roles, Consumer<String> log)
            throws IOException {
        return new Supervisor(
                s.runDir(),
                mailboxes(s),
                roles,
                System.getProperty("java.class.path"),
                s.heartbeatTimeoutMillis(),
                EpochClock.system(),
                log);
    }

    /** The role specs, after writing the secrets their command lines name ({@link #jdbcUrlFile}). */
    public static List<RoleSpec> roles(ServerSettings s) {
        if (s.jdbcUrl() != null && s.roles().contains("db")) {
            try {
                PrivateFiles.ensureDirectory(s.runDir());
                PrivateFiles.writeSecret(
                        PrivateFiles.ensureDirectory(jdbcUrlFile(s).getParent())
                                .resolve(jdbcUrlFile(s).getFileName()),
                        s.jdbcUrl().getBytes(StandardCharsets.UTF_8));
            } catch (IOException e) {
                throw new UncheckedIOException("cannot write " + jdbcUrlFile(s), e);
            }
        }
        List<RoleSpec> specs = new ArrayList<>();
        for (String role : s.roles()) {
            specs.add(new RoleSpec(
                    role,
                    command(s, role),
                    inbox(s, role),
                    s.jvmOptions().getOrDefault(role, List.of()),
                    role.equals("web") ? loopbackPort(s.webListen()) : 0));
        }
        return specs;
    }

    /** The role's own mailbox, whose callee heartbeat shows it alive; null for the web role, which serves none. */
    static Path inbox(ServerSettings s, String role) {
        return switch (role) {
            case "db" -> mailbox(s, ServerMailboxes.DB_SUFFIX);
            case "services" -> mailbox(s, ServerMailboxes.SERVICES_SUFFIX);
            case "monitor" -> mailbox(s, ServerMailboxes.MONITOR_SUFFIX);
            default -> null;
        };
    }

    /** The port of {@code hostPort} when the supervisor can probe it on loopback, else 0 (no readiness probe). */
    static int loopbackPort(String hostPort) {
        HostPort address = HostPort.parseListen("web.listen", hostPort);
        String host = address.host();
        boolean loopback = host.equals("localhost")
                || host.startsWith("127.")
                || host.equals("0.0.0.0")
                || host.equals("::1")
                || host.equals("::");
        return loopback ? address.port() : 0;
    }

    /**
     * The monitor's command line for a server in a pair: as {@link #command} has it, plus its part, which the
     * supervisor takes from the lease (active at its epoch, or standby naming the holder, or none when null).
     */
    public static List<String> monitorCommand(ServerSettings s, boolean standby, long epoch, String activeAddress) {
        List<String> cmd = new ArrayList<>(command(s, "monitor"));
        if (!standby) {
            cmd.addAll(List.of("--epoch", Long.toString(epoch)));
        } else if (activeAddress != null) {
            cmd.addAll(List.of("--standby-of", activeAddress));
        } else {
            cmd.add("--standby");
        }
        return cmd;
    }

    /** The role's {@code sluice} subcommand and its arguments. */
    public static List<String> command(ServerSettings s, String role) {
        List<String> mailboxes = List.of("--mailbox-dir", s.mailboxDir().toString(), "--mailbox-name", s.name());
        List<String> cmd = new ArrayList<>();
        switch (role) {
            case "db" -> {
                cmd.addAll(List.of("db", "--data-dir", s.dataDir().toString()));
                if (s.jdbcUrl() != null) {
                    cmd.addAll(List.of("--jdbc-url-file", jdbcUrlFile(s).toString()));
                }
                if (s.jdbcInsecureLink()) {
                    cmd.add("--insecure-database-link");
                }
                if (s.historyLayout() != HistoryLayout.ROWS) {
                    cmd.addAll(List.of("--history-layout", s.historyLayout().label()));
                }
                if (s.jdbcUser() != null) {
                    cmd.addAll(List.of("--jdbc-user", s.jdbcUser()));
                }
                if (s.jdbcPasswordFile() != null) {
                    cmd.addAll(
                            List.of("--jdbc-password-file", s.jdbcPasswordFile().toString()));
                }
            }
            case "services" -> {
                cmd.addAll(List.of(
                        "services",
                        "--interval",
                        Long.toString(s.pollIntervalMillis()),
                        "--max-volumes",
                        Integer.toString(s.volumeLimits().total()),
                        "--volume-expiry-ms",
                        Long.toString(s.volumeLimits().expiryMillis())));
                if (s.servicesBootstrap() != null) {
                    cmd.addAll(List.of("--config", s.servicesBootstrap().toString()));
                }
            }
            case "monitor" -> {
                cmd.addAll(List.of(
                        "monitor",
                        "--listen",
                        s.monitorListen(),
                        "--secret-file",
                        s.secretFile().toString(),
                        "--poll-interval",
                        Long.toString(s.pollIntervalMillis()),
                        "--miss-limit",
                        Integer.toString(s.missLimit()),
                        "--pairs",
                        Integer.toString(s.pairs()),
                        "--max-pairs",
                        Integer.toString(s.maxPairs()),
                        "--handshake-timeout",
                        Long.toString(s.handshakeTimeoutMillis()),
                        "--max-unauthenticated",
                        Integer.toString(s.maxUnauthenticated()),
                        "--max-unauthenticated-per-address",
                        Integer.toString(s.maxUnauthenticatedPerAddress()),
                        "--max-handshakes-in-progress",
                        Integer.toString(s.maxHandshakesInProgress()),
                        "--max-handshakes-per-address",
                        Integer.toString(s.maxHandshakesPerAddress()),
                        "--registry-file",
                        s.dataDir()
                                .resolve("monitor")
                                .resolve("gateways.registry")
                                .toString(),
                        "--max-volumes-per-gateway",
                        Integer.toString(s.volumeLimits().perGateway())));
                if (s.roles().contains("db")) {
                    // The registry lives where a standby can read it; a server without a database manager of its
                    // own (roles: a subset) keeps it in the file, as there is nobody to answer the monitor's calls.
                    cmd.add("--registry-in-database");
                }
                if (!s.approve().isEmpty()) {
                    cmd.addAll(List.of("--approve", String.join(",", s.approve())));
                }
                new TreeMap<>(s.sharedVolumes())
                        .forEach((name, ids) ->
                                cmd.addAll(List.of("--shared-volume", name + "=" + String.join(",", ids))));
                if (s.monitorTls()) {
                    cmd.addAll(List.of(
                            "--pki-dir",
                            s.dataDir().resolve(CertificateAuthority.DIRECTORY).toString(),
                            "--gateway-certificate-days",
                            Integer.toString(s.gatewayCertificateDays())));
                    if (!s.monitorTlsNames().isEmpty()) {
                        cmd.addAll(List.of("--tls-name", String.join(",", s.monitorTlsNames())));
                    }
                } else {
                    cmd.add("--insecure-plaintext");
                }
            }
            case "web" -> {
                cmd.addAll(List.of(
                        "web",
                        "--listen",
                        s.webListen(),
                        "--data-dir",
                        s.dataDir().resolve("web").toString()));
                ServerSettings.WebAccess access = s.webAccess();
                if (access.publicUrl() != null) {
                    cmd.addAll(List.of("--public-url", access.publicUrl()));
                }
                if (access.tlsCertificate() != null) {
                    cmd.addAll(List.of(
                            "--tls-certificate",
                            access.tlsCertificate().toString(),
                            "--tls-key",
                            access.tlsKey().toString()));
                }
                if (access.allowPlaintext()) {
                    cmd.add("--allow-plaintext");
                }
                if (s.ha() != null) {
                    cmd.addAll(List.of(
                            "--pair-status", s.runDir().resolve("status.json").toString()));
                }
            }
            default -> throw new IllegalArgumentException("no role " + role);
        }
        cmd.addAll(mailboxes);
        return cmd;
    }
}
