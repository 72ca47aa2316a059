package io.sluice.monitor;

import io.sluice.common.EpochClock;
import io.sluice.mailbox.ServerMailboxes;
import io.sluice.protocol.HelloDescriptor;
import io.sluice.protocol.VolumeDescriptor;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The monitor daemon's validated configuration.
 *
 * @param listen where gateways connect
 * @param monitorMailbox the daemon's own inbox (callers: SLA services, tools)
 * @param servicesMailbox the SLA services' inbox, where reports and gateway states go
 * @param servicesCallerIndex this daemon's caller index in the services mailbox
 * @param deploymentSecret gateway keys derive from it (GatewayKeys)
 * @param approvedGateways gateways admitted without an admin's approval
 * @param enrollmentTokens single-use tokens that admit an unknown gateway at once
 * @param registryFile where approvals, revocations and tokens are kept across restarts, or null
 * @param pollIntervalMillis how often every gateway in session is polled
 * @param missLimit unanswered polls in a row before a gateway is marked unreachable
 * @param pairs thread pairs to run, 0 to size them at run time ({@link ThreadPairSizing})
 * @param expectedGateways n for the first sizing, before any gateway has connected
 * @param maxPairs the most pairs the sizing may run (it may go beyond the cores when the formula asks), 0 for one per
 *     core
 * @param maxConnections connections beyond this are closed at once
 * @param maxFrameLength the largest frame accepted from a gateway
 * @param writeHighWatermark a gateway with this many unsent bytes is not polled until it drains
 * @param writeLimit a gateway with this many unsent bytes is disconnected (it is not reading)
 * @param handshakeTimeoutMillis a connection that has not authenticated within this of its accept is closed (with TLS a
 *     connection is accepted only when there is room for its handshake, so this counts from the handshake's start, not
 *     from the time it waited in the accept queue)
 * @param unauthenticated how many connections may be unauthenticated at once, in all and per source, and how many may
 *     be in their TLS handshake at once
 * @param maxVolumesPerGateway a gateway that announces more volumes is refused (TOO_MANY_VOLUMES), so one leaked key
 *     cannot make the server keep state for volume after volume
 * @param tls TLS with client certificates on every gateway connection; null only for the explicit
 *     {@code insecure-plaintext} development mode
 * @param sharedVolumes for each shared volume name, the gateways that may serve it (join the one volume of that name,
 *     report for it, receive its throttles); a gateway announcing a shared name not bound to it here or by an operator
 *     (GatewayRegistry) has that volume refused
 * @param role active (with its fencing epoch) or standby (naming the active): {@link MonitorRole}
 * @param balanceByLoad pairs balanced by the measured cost of their sessions, and idle inbound threads taking ready
 *     sessions from busy pairs (the default); false balances by session count alone and never shares work (for
 *     comparison: docs/benchmarks.md)
 * @param registryDatabase the gateway registry lives in the database, reached through the database manager's mailbox
 *     (then {@code registryFile} is a file to import once, if it exists); null keeps it in {@code registryFile} (or in
 *     memory)
 */
public record MonitorContext(
        InetSocketAddress listen,
        Path monitorMailbox,
        Path servicesMailbox,
        int servicesCallerIndex,
        byte[] deploymentSecret,
        Set<Long> approvedGateways,
        Set<String> enrollmentTokens,
        Path registryFile,
        long pollIntervalMillis,
        int missLimit,
        int pairs,
        int expectedGateways,
        int maxPairs,
        int maxConnections,
        int maxFrameLength,
        int writeHighWatermark,
        int writeLimit,
        long handshakeTimeoutMillis,
        UnauthenticatedLimits unauthenticated,
        int maxVolumesPerGateway,
        EpochClock clock,
        MonitorTls tls,
        Map<String, Set<Long>> sharedVolumes,
        MonitorRole role,
        boolean balanceByLoad,
        RegistryDatabase registryDatabase) {
    /**
     * Caps on connections that have not authenticated: {@code connections} in all, {@code perSource} from one address
     * (an IPv6 /64); beyond them a new connection is closed at once. With TLS, at most {@code handshakes} of them are
     * in their TLS handshake at once; beyond that the monitor stops accepting, and new connections wait in the kernel's
     * accept queue until a handshake finishes (their deadline starts when they are accepted). Of those places one
     * address holds at most {@code handshakesPerSource}; its connections beyond that wait, accepted but unread, for one
     * of its own places.
     */
    public record UnauthenticatedLimits(int connections, int perSource, int handshakes, int handshakesPerSource) {
        public static final UnauthenticatedLimits DEFAULTS = new UnauthenticatedLimits(1024, 128);

        public UnauthenticatedLimits {
            if (connections < 1 || perSource < 1 || perSource > connections) {
                throw new IllegalArgumentException("need 1 <= unauthenticated per source <= unauthenticated in all: "
                        + perSource + ", " + connections);
            }
            if (handshakes < 1) {
                throw new IllegalArgumentException("handshakes in progress must be at least 1, was " + handshakes);
            }
            if (handshakesPerSource < 1 || handshakesPerSource > handshakes) {
                throw new IllegalArgumentException("need 1 <= handshakes in progress per address <= in all: "
                        + handshakesPerSource + ", " + handshakes);
            }
        }

        /**
         * With the default bound on handshakes in progress ({@link #defaultHandshakes()}) and its default share per
         * address.
         */
        public UnauthenticatedLimits(int connections, int perSource) {
            this(connections, perSource, defaultHandshakes());
        }

        /** With the default share per address ({@link #defaultHandshakesPerSource}). */
        public UnauthenticatedLimits(int connections, int perSource, int handshakes) {
            this(connections, perSource, handshakes, defaultHandshakesPerSource(handshakes));
        }

        /**
         * Four handshakes in progress per core: a handshake is CPU work on the monitor with a network round trip or two
         * in the middle, so a few per core keep the cores busy while the ones started finish well within their
         * deadline.
         */
        public static int defaultHandshakes() {
            return 4 * Runtime.getRuntime().availableProcessors();
        }

        /**
         * A quarter of the places per address (at least one): one address that stalls its handshakes leaves three
         * quarters of the monitor's handshake capacity to everybody else, and a gateway host rarely has more than a
         * connection or two in its handshake at once.
         */
        public static int defaultHandshakesPerSource(int handshakes) {
            return Math.max(1, handshakes / 4);
        }
    }

    public MonitorContext {
        if (role == null) {
            throw new IllegalArgumentException(
                    "a monitor needs a role (MonitorRole.STANDALONE for a server on its own)");
        }
        if (deploymentSecret == null || deploymentSecret.length < 16) {
            throw new IllegalArgumentException("deployment secret must be at least 16 bytes");
        }
        if (pollIntervalMillis < 10) {
            throw new IllegalArgumentException("poll interval must be at least 10 ms, was " + pollIntervalMillis);
        }
        if (missLimit < 1) {
            throw new IllegalArgumentException("miss limit must be at least 1");
        }
        if (pairs < 0 || pairs > ServerMailboxes.MONITOR_PAIR_CALLERS) {
            throw new IllegalArgumentException(
                    "pairs must be 0 (automatic) to " + ServerMailboxes.MONITOR_PAIR_CALLERS + ", was " + pairs);
        }
        if (maxPairs < 0) {
            throw new IllegalArgumentException("max pairs must be 0 (one per core) or more");
        }
        if (maxConnections < 1) {
            throw new IllegalArgumentException("max connections must be at least 1");
        }
        if (handshakeTimeoutMillis < 100) {
            throw new IllegalArgumentException(
                    "handshake timeout must be at least 100 ms, was " + handshakeTimeoutMillis);
        }
        if (writeHighWatermark <= 0 || writeLimit < writeHighWatermark) {
            throw new IllegalArgumentException("need 0 < write high watermark <= write limit");
        }
        if (maxVolumesPerGateway < 1 || maxVolumesPerGateway > HelloDescriptor.MAX_VOLUMES) {
            throw new IllegalArgumentException("max volumes per gateway must be 1.." + HelloDescriptor.MAX_VOLUMES
                    + ", was " + maxVolumesPerGateway);
        }
        approvedGateways = Set.copyOf(approvedGateways);
        enrollmentTokens = Set.copyOf(enrollmentTokens);
        for (Map.Entry<String, Set<Long>> shared : sharedVolumes.entrySet()) {
            if (!GatewayRegistry.Binding.isVolumeName(shared.getKey())) {
                throw new IllegalArgumentException("shared volume names are 1.." + VolumeDescriptor.MAX_NAME_LENGTH
                        + " bytes of UTF-8 (an export name), was '" + shared.getKey() + "'");
            }
            if (shared.getValue().isEmpty() || shared.getValue().contains(0L)) {
                throw new IllegalArgumentException("shared volume " + shared.getKey()
                        + " needs gateway ids (1 or more), was " + shared.getValue());
            }
        }
        sharedVolumes = Map.copyOf(sharedVolumes.entrySet().stream()
                .collect(Collectors.toMap(Map.Entry::getKey, e -> Set.copyOf(e.getValue()))));
    }

    /** Defaults for everything but where to listen, the mailboxes and the secret. */
    public static MonitorContext defaults(
            InetSocketAddress listen, Path monitorMailbox, Path servicesMailbox, byte[] deploymentSecret) {
        return new MonitorContext(
                listen,
                monitorMailbox,
                servicesMailbox,
                ServerMailboxes.CALLER_MONITOR,
                deploymentSecret,
                Set.of(),
                Set.of(),
                null,
                1_000,
                3,
                0,
                100,
                0,
                50_000,
                1 << 20,
                256 * 1024,
                4 << 20,
                5_000,
                UnauthenticatedLimits.DEFAULTS,
                HelloDescriptor.MAX_VOLUMES,
                EpochClock.system(),
                null,
                Map.of(),
                MonitorRole.STANDALONE,
                true,
                null);
    }

    public MonitorContext withApproved(Set<Long> approved) {
        MonitorContextCopy copy = new MonitorContextCopy(this);
        copy.approvedGateways = approved;
        return copy.build();
    }

    public MonitorContext withTokens(Set<String> tokens) {
        MonitorContextCopy copy = new MonitorContextCopy(this);
        copy.enrollmentTokens = tokens;
        return copy.build();
    }

    public MonitorContext withRegistryFile(Path file) {
        MonitorContextCopy copy = new MonitorContextCopy(this);
        copy.registryFile = file;
        return copy.build();
    }

    public MonitorContext withPolling(long intervalMillis, int misses) {
        MonitorContextCopy copy = new MonitorContextCopy(this);
        copy.pollIntervalMillis = intervalMillis;
        copy.missLimit = misses;
        return copy.build();
    }

    public MonitorContext withPairs(int pairCount, int expected) {
        MonitorContextCopy copy = new MonitorContextCopy(this);
        copy.pairs = pairCount;
        copy.expectedGateways = expected;
        return copy.build();
    }

    /** The most pairs the sizing may run; 0 for one per core. */
    public MonitorContext withMaxPairs(int ceiling) {
        MonitorContextCopy copy = new MonitorContextCopy(this);
        copy.maxPairs = ceiling;
        return copy.build();
    }

    /**
     * The ceiling the sizing uses: {@link #maxPairs}, or one per core when that is 0. A pair's threads never block, so
     * once every core runs one, more pairs only add context switches: on two cores a sweep of 10,000 gateways took 1.38
     * times Netty's with five pairs and 0.89-1.05 times with two. Beyond the cores only where the operator sets the
     * ceiling. Never more than {@link io.sluice.mailbox.ServerMailboxes#MONITOR_PAIR_CALLERS}, the pairs with a caller
     * index of their own in the services' mailbox.
     */
    public int pairCeiling() {
        int ceiling = maxPairs > 0 ? maxPairs : Runtime.getRuntime().availableProcessors();
        // Each pair posts to the services under a caller index of its own, and there are this many.
        return Math.min(ceiling, ServerMailboxes.MONITOR_PAIR_CALLERS);
    }

    public MonitorContext withLimits(int connections, int frameLength, int highWatermark, int limit) {
        MonitorContextCopy copy = new MonitorContextCopy(this);
        copy.maxConnections = connections;
        copy.maxFrameLength = frameLength;
        copy.writeHighWatermark = highWatermark;
        copy.writeLimit = limit;
        return copy.build();
    }

    public MonitorContext withHandshake(long timeoutMillis, UnauthenticatedLimits limits) {
        MonitorContextCopy copy = new MonitorContextCopy(this);
        copy.handshakeTimeoutMillis = timeoutMillis;
        copy.unauthenticated = limits;
        return copy.build();
    }

    /** A gateway announcing more than {@code perGateway} volumes is refused. */
    public MonitorContext withVolumeLimit(int perGateway) {
        MonitorContextCopy copy = new MonitorContextCopy(this);
        copy.maxVolumesPerGateway = perGateway;
        return copy.build();
    }

    /** For each shared volume name, the gateways the configuration lets serve it (see the record's description). */
    public MonitorContext withSharedVolumes(Map<String, Set<Long>> bindings) {
        MonitorContextCopy copy = new MonitorContextCopy(this);
        copy.sharedVolumes = bindings;
        return copy.build();
    }

    /** The clock the monitor's deadlines, polls and certificate expiries are judged by. */
    public MonitorContext withClock(EpochClock epochClock) {
        MonitorContextCopy copy = new MonitorContextCopy(this);
        copy.clock = epochClock;
        return copy.build();
    }

    /** Active with an epoch, or standby naming the active. */
    public MonitorContext withRole(MonitorRole monitorRole) {
        MonitorContextCopy copy = new MonitorContextCopy(this);
        copy.role = monitorRole;
        return copy.build();
    }

    /** Balancing by measured cost with work sharing (true, the default), or by session count alone (false). */
    public MonitorContext withBalancing(boolean byLoad) {
        MonitorContextCopy copy = new MonitorContextCopy(this);
        copy.balanceByLoad = byLoad;
        return copy.build();
    }

    public MonitorContext withTls(MonitorTls monitorTls) {
        MonitorContextCopy copy = new MonitorContextCopy(this);
        copy.tls = monitorTls;
        return copy.build();
    }

    /**
     * The gateway registry in the database, through the database manager's mailbox; {@link #registryFile} (if set) is
     * then imported once. Null keeps the registry in the file.
     */
    public MonitorContext withRegistryDatabase(RegistryDatabase database) {
        MonitorContextCopy copy = new MonitorContextCopy(this);
        copy.registryDatabase = database;
        return copy.build();
    }
}
