package io.sluice.server;

import io.sluice.common.ExitCode;
import io.sluice.common.HostPort;
import io.sluice.common.PrivateFiles;
import io.sluice.mailbox.ServerMailboxes;
import io.sluice.monitor.MonitorContext;
import io.sluice.monitor.MonitorDaemon;
import io.sluice.monitor.MonitorRole;
import io.sluice.monitor.RegistryDatabase;
import io.sluice.pki.CertificateAuthority;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code sluice monitor}: runs the performance monitor daemon on its own. */
@Command(
        name = "monitor",
        mixinStandardHelpOptions = true,
        description =
                "Run the performance monitor daemon: serve gateways on thread pairs, poll them, relay throttle sets.")
final class MonitorCommand implements Callable<Integer> {
    @Option(
            names = "--listen",
            defaultValue = "127.0.0.1:7070",
            description = "HOST:PORT for gateways (default ${DEFAULT-VALUE})")
    String listen;

    @Option(
            names = "--secret-file",
            required = true,
            description = "deployment secret (>= 16 bytes) gateway keys derive from")
    Path secretFile;

    @Mixin
    MailboxOptions mailboxes = new MailboxOptions();

    @Option(
            names = "--approve",
            split = ",",
            description = "gateway ids or ranges admitted without approval, e.g. 1-1000,5000")
    List<String> approve = List.of();

    @Option(
            names = "--shared-volume",
            description = "NAME=IDS: the gateways (ids or ranges, as --approve) that may serve "
                    + "the volume their exports flag shared under NAME; a gateway announcing a shared name not bound to it has that "
                    + "volume refused. Repeat for each name")
    Map<String, String> sharedVolumes = new LinkedHashMap<>();

    @Option(
            names = "--token-file",
            description = "file (0600, this user's) of single-use enrollment tokens, one a line; "
                    + "a file, not the command line, which every local user can read")
    Path tokenFile;

    @Option(
            names = "--registry-file",
            description = "where approvals, revocations and enrollment tokens given "
                    + "through the mailbox are kept across restarts (default: in memory only)")
    Path registryFile;

    @Option(
            names = "--registry-in-database",
            description = "keep the gateway registry (approvals, revocations, "
                    + "enrollment tokens, shared-volume bindings) in the database, through the database manager's mailbox, "
                    + "as the server does: a standby sharing the database has the same one; --registry-file, if it exists, "
                    + "is imported once and renamed")
    boolean registryInDatabase;

    @Option(
            names = "--registry-db-timeout",
            defaultValue = "5000",
            description = "how long (ms) a registry call waits for "
                    + "the database manager before the database counts as unreachable (default ${DEFAULT-VALUE})")
    long registryDbTimeout;

    @Option(
            names = "--pki-dir",
            description =
                    "TLS 1.3 with client certificates on the gateway link: the server's "
                            + "certificate authority (made here on first start, 0700) and the monitor's certificate (issued here on first "
                            + "start); gateways need a certificate from this authority with CN gateway-<id>. Without it the link is plaintext")
    Path pkiDir;

    @Option(
            names = "--tls-name",
            split = ",",
            description = "more DNS names or addresses for the monitor's certificate, "
                    + "as gateways dial it (the listen host, localhost and 127.0.0.1 are always in it)")
    List<String> tlsNames = List.of();

    @Option(
            names = "--insecure-plaintext",
            description =
                    "without --pki-dir, serve the gateway link in plaintext, which "
                            + "anyone on the network can read and forge (development only); without either the monitor refuses to start")
    boolean insecurePlaintext;

    @Option(
            names = "--gateway-certificate-days",
            defaultValue = "30",
            description =
                    "with --pki-dir: a gateway without a "
                            + "certificate may enroll for one with an enrollment token (ENROLL) and renews it in session; certificates "
                            + "issued so live this many days; 0: the monitor issues none, gateways bring theirs (default ${DEFAULT-VALUE})")
    int gatewayCertificateDays;

    @Option(
            names = "--poll-interval",
            defaultValue = "1000",
            description = "ms between polls (default ${DEFAULT-VALUE})")
    long pollInterval;

    @Option(
            names = "--miss-limit",
            defaultValue = "3",
            description = "missed polls before unreachable (default ${DEFAULT-VALUE})")
    int missLimit;

    @Option(
            names = "--pairs",
            defaultValue = "0",
            description = "thread pairs; 0 sizes them from the measured poll cost")
    int pairs;

    @Option(
            names = "--max-pairs",
            defaultValue = "0",
            description =
                    "the most thread pairs the formula may run (above the cores only if set so); 0 for one per core")
    int maxPairs;

    @Option(
            names = "--handshake-timeout",
            defaultValue = "5000",
            description = "ms a connection has to authenticate before it is closed (default ${DEFAULT-VALUE})")
    long handshakeTimeout;

    @Option(
            names = "--max-unauthenticated",
            defaultValue = "1024",
            description =
                    "connections that may be unauthenticated at once; more are closed at once (default ${DEFAULT-VALUE})")
    int maxUnauthenticated;

    @Option(
            names = "--max-unauthenticated-per-address",
            defaultValue = "128",
            description = "the same, from one address (an IPv6 /64) (default ${DEFAULT-VALUE})")
    int maxUnauthenticatedPerAddress;

    @Option(
            names = "--max-handshakes-in-progress",
            defaultValue = "0",
            description = "TLS handshakes in progress at once; at the bound new connections wait in the accept queue. "
                    + "0: four per core (default ${DEFAULT-VALUE})")
    int maxHandshakesInProgress;

    @Option(
            names = "--max-handshakes-per-address",
            defaultValue = "0",
            description =
                    "of those, at most this many for one address (an IPv6 /64); its connections beyond wait, "
                            + "accepted, for one of its own. 0: a quarter of the handshakes in progress (default ${DEFAULT-VALUE})")
    int maxHandshakesPerAddress;

    @Option(names = "--status-every", defaultValue = "5000", description = "ms between status lines; 0 for none")
    long statusEvery;

    @Option(
            names = "--max-volumes-per-gateway",
            defaultValue = "4096",
            description = "a gateway announcing more " + "volumes is refused, 1..4096 (default ${DEFAULT-VALUE})")
    int maxVolumesPerGateway;

    @Option(
            names = "--epoch",
            paramLabel = "N",
            description =
                    "active, stamping this fencing epoch (the lease's, 0..2^63-1) on "
                            + "every throttle set; gateways that have seen a newer one refuse its sets (default 0: a server not in a pair)")
    Long epoch;

    @Option(
            names = "--standby-of",
            paramLabel = "HOST:PORT",
            description = "standby: answer every gateway with STANDBY "
                    + "naming the active monitor at HOST:PORT (as gateways dial it), open no session")
    String standbyOf;

    @Option(
            names = "--standby",
            description = "standby with no active known yet: gateways are told to ask again in a second")
    boolean standby;

    /** Active (with --epoch) or standby (--standby-of, --standby); one or the other, never both. */
    MonitorRole role() {
        if ((standbyOf != null || standby) && epoch != null) {
            throw new IllegalArgumentException(
                    "--epoch is for an active monitor; a standby (--standby-of, --standby) stamps none");
        }
        if (standbyOf != null && standby) {
            throw new IllegalArgumentException("--standby-of names the active; --standby says none is known: give one");
        }
        if (standbyOf != null || standby) {
            return MonitorRole.standby(standbyOf);
        }
        return MonitorRole.active(epoch == null ? 0 : epoch);
    }

    private MonitorContext.UnauthenticatedLimits unauthenticatedLimits() {
        int handshakes = maxHandshakesInProgress > 0
                ? maxHandshakesInProgress
                : MonitorContext.UnauthenticatedLimits.defaultHandshakes();
        return new MonitorContext.UnauthenticatedLimits(
                maxUnauthenticated,
                maxUnauthenticatedPerAddress,
                handshakes,
                maxHandshakesPerAddress > 0
                        ? maxHandshakesPerAddress
                        : MonitorContext.UnauthenticatedLimits.defaultHandshakesPerSource(handshakes));
    }

    /** How often an unreadable gateway registry is shouted about in the log, besides the registry's own error. */
    private static final long REGISTRY_ALARM_MILLIS = 60_000;

    @Override
    public Integer call() throws Exception {
        byte[] secret;
        try {
            secret = PrivateFiles.readSecret(secretFile);
        } catch (PrivateFiles.NotPrivateException e) {
            System.err.println("monitor: " + e.getMessage() + "; chmod 600 it");
            return ExitCode.USAGE;
        }
        Set<String> tokens;
        try {
            tokens = tokenFile == null
                    ? Set.of()
                    : new String(PrivateFiles.readSecret(tokenFile), StandardCharsets.UTF_8)
                            .lines()
                            .map(String::strip)
                            .filter(t -> !t.isEmpty())
                            .collect(Collectors.toSet());
        } catch (PrivateFiles.NotPrivateException e) {
            System.err.println("monitor: " + e.getMessage() + "; chmod 600 it");
            return ExitCode.USAGE;
        }
        MonitorRole role;
        HostPort listenAddress;
        try {
            role = role();
            listenAddress = HostPort.parseListen("--listen", listen);
        } catch (IllegalArgumentException e) {
            System.err.println("monitor: " + e.getMessage());
            return ExitCode.USAGE;
        }
        MonitorContext context = MonitorContext.defaults(
                        listenAddress.resolve(),
                        ServerMailboxes.file(mailboxes.dir, mailboxes.name, ServerMailboxes.MONITOR_SUFFIX),
                        ServerMailboxes.file(mailboxes.dir, mailboxes.name, ServerMailboxes.SERVICES_SUFFIX),
                        secret)
                .withApproved(parseIds(approve))
                .withTokens(tokens)
                .withRegistryFile(registryFile)
                .withSharedVolumes(sharedVolumeBindings(sharedVolumes))
                .withPolling(pollInterval, missLimit)
                .withPairs(pairs, 100)
                .withMaxPairs(maxPairs)
                .withHandshake(handshakeTimeout, unauthenticatedLimits())
                .withVolumeLimit(maxVolumesPerGateway)
                .withRole(role);
        if (registryInDatabase) {
            context = context.withRegistryDatabase(new RegistryDatabase(
                    ServerMailboxes.file(mailboxes.dir, mailboxes.name, ServerMailboxes.DB_SUFFIX),
                    ServerMailboxes.CALLER_MONITOR,
                    registryDbTimeout));
        }
        if (pkiDir != null) {
            if (gatewayCertificateDays < 0) {
                System.err.println("monitor: --gateway-certificate-days must be 0 or more");
                return ExitCode.USAGE;
            }
            context = context.withTls(MonitorCertificate.load(
                    pkiDir,
                    listenAddress.host(),
                    tlsNames,
                    gatewayCertificateDays == 0 ? null : Duration.ofDays(gatewayCertificateDays)));
        } else if (insecurePlaintext) {
            System.err.println(
                    "monitor: WARNING: the gateway link is plaintext (--insecure-plaintext): anyone on the network "
                            + "can read and forge its frames");
        } else {
            System.err.println(
                    "monitor: refusing a plaintext gateway link: give --pki-dir (TLS 1.3 with client certificates) "
                            + "or, for development only, --insecure-plaintext");
            return ExitCode.USAGE;
        }
        try (UntilSignalled signal = new UntilSignalled(10_000);
                MonitorDaemon daemon = new MonitorDaemon(context)) {
            System.out.println("monitor listening on " + daemon.address()
                    + (pkiDir == null
                            ? " (plaintext)"
                            : " (TLS, CA " + pkiDir.resolve(CertificateAuthority.CERTIFICATE_FILE) + ")")
                    + " with " + daemon.pairCount()
                    + " thread pair(s), " + role);
            RegistryAlarm alarm = new RegistryAlarm(daemon, registryInDatabase);
            return signal.watch(
                    "monitor unhealthy, stopping so that it is started afresh",
                    () -> {
                        alarm.sound();
                        List<String> problems = daemon.problems();
                        return problems.isEmpty() ? null : String.join("; ", problems);
                    },
                    statusEvery,
                    () -> System.out.println(MonitorStatusLine.of(daemon)));
        }
    }

    /**
     * While the gateway registry cannot be read every gateway is refused: said on stderr once a minute besides the
     * registry's own error, checked with the monitor's health.
     */
    private static final class RegistryAlarm {
        private final MonitorDaemon daemon;
        private final boolean inDatabase;
        private long next;

        RegistryAlarm(MonitorDaemon daemon, boolean inDatabase) {
            this.daemon = daemon;
            this.inDatabase = inDatabase;
        }

        void sound() {
            String problem = daemon.registryUnusable();
            if (problem != null && System.currentTimeMillis() >= next) {
                next = System.currentTimeMillis() + REGISTRY_ALARM_MILLIS;
                System.err.println("monitor: EVERY GATEWAY IS REFUSED: " + problem
                        + (inDatabase
                                ? "; it is read again every few seconds"
                                : "; repair the file (it is read again every few seconds) or remove it to start over "
                                        + "from the configuration"));
            }
        }
    }

    /** {@code --shared-volume NAME=IDS} as the monitor takes it: each name with the gateways it is bound to. */
    static Map<String, Set<Long>> sharedVolumeBindings(Map<String, String> specs) {
        Map<String, Set<Long>> bindings = new HashMap<>();
        specs.forEach((name, ids) -> bindings.put(name, parseIds(List.of(ids.split(",")))));
        return bindings;
    }

    static Set<Long> parseIds(List<String> specs) {
        Set<Long> ids = new HashSet<>();
        for (String spec : specs) {
            String[] range = spec.trim().split("-");
            long from = Long.parseLong(range[0]);
            long to = range.length > 1 ? Long.parseLong(range[1]) : from;
            if (to < from || to - from > 1_000_000) {
                throw new IllegalArgumentException("bad gateway id range: " + spec);
            }
            for (long id = from; id <= to; id++) {
                ids.add(id);
            }
        }
        return ids;
    }
}
