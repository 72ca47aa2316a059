package io.sluice.sim;

import io.sluice.protocol.AuthDescriptor;
import io.sluice.protocol.Authenticator;
import io.sluice.protocol.FrameDescriptor;
import io.sluice.protocol.StatsDescriptor;
import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The simulator's validated configuration. From the command line:
 *
 * <pre>
 *   --monitor HOST:PORT [--monitor HOST:PORT ...] --secret-file F [--gateways N] [--volumes-per-gateway K] [--first-gateway-id ID]
 *   [--enrollment-token-file F] [--fault slow=0.01,silent=0.01,...] [--duration S] [--threads T] [--seed N]
 *   [--ramp-up-ms MS] [--connects-in-flight C] [--summary-interval S] [--skew H:V]
 * </pre>
 *
 * or, in tests, from {@link #builder}.
 *
 * @param monitors the monitors each gateway tries in turn, as a real gateway does ({@code MonitorRotation}): one, or
 *     the servers of a pair, a standby among them naming the active
 * @param firstGatewayId gateway {@code i} (0-based) has id {@code firstGatewayId + i}
 * @param deploymentSecret each gateway's key is {@code GatewayKeys.derive(deploymentSecret, id)}
 * @param enrollmentToken presented in every AUTH, with {@code {id}} replaced by the gateway's id (a monitor uses each
 *     token once, so {@code enroll-{id}} gives every gateway its own); empty for none
 * @param durationMillis the simulator stops by itself after this; 0 runs until closed
 * @param threads selector loops; gateway {@code i} runs on loop {@code i % threads}
 * @param summaryIntervalMillis how often {@link SimMain} prints its summary line
 * @param volumeIds how the gateways name and number their volumes
 * @param tls TLS with a certificate per gateway from the server's authority ({@code --pki-dir}), or null for plaintext
 * @param connectsInFlight at most this many gateways are connecting at once (from the connect until the session is open
 *     or the attempt failed), shared evenly among the loops; the others wait their turn, so a fleet starting (or coming
 *     back) together does not stampede the monitor
 * @param skew a few heavy gateways in the fleet ({@link Skew}), or {@link Skew#NONE}
 */
public record SimContext(
        List<InetSocketAddress> monitors,
        int gateways,
        int volumesPerGateway,
        long firstGatewayId,
        byte[] deploymentSecret,
        String enrollmentToken,
        FaultPlan faults,
        long durationMillis,
        int threads,
        long seed,
        VolumeProfile volumes,
        SimTimings timings,
        long summaryIntervalMillis,
        VolumeIds volumeIds,
        SimTls tls,
        int connectsInFlight,
        Skew skew) {
    /**
     * A skewed fleet: {@code gateways} of the fleet serve {@code volumes} volumes each instead of
     * {@code --volumes-per-gateway}, spread evenly through it (every (n / gateways)-th gateway from the first), as a
     * few large storage gateways among many small ones: their reports cost the monitor many times the others'.
     */
    public record Skew(int gateways, int volumes) {
        public static final Skew NONE = new Skew(0, 0);
    }

    /** STATS goes in one frame, so a report must fit the monitor's default maximum frame length. */
    public static final int MAX_VOLUMES_PER_GATEWAY =
            StatsDescriptor.maxVolumes(FrameDescriptor.DEFAULT_MAX_FRAME_LENGTH);

    public static final int MAX_THREADS = 64;
    /**
     * Connects in flight by default: with TLS a monitor gets through about a hundred handshakes a second on two cores,
     * so 64 waiting their turn there pass in well under the gateways' handshake timeout.
     */
    public static final int DEFAULT_CONNECTS_IN_FLIGHT = 64;

    public static final String USAGE = """
            usage: sluice sim --monitor HOST:PORT... --secret-file F [--gateways N] [--volumes-per-gateway K]
                              [--first-gateway-id ID] [--enrollment-token-file F] [--fault MODE=FRACTION,...]
                              [--duration S] [--threads T] [--seed N] [--ramp-up-ms MS] [--summary-interval S]
                              [--volume-ids shared|distinct|default] [--pki-dir DIR] [--connects-in-flight C] [--skew H:V]
              Runs N simulated gateways (default 100) with K volumes each (default 4) against a monitor (repeat
              --monitor for a pair: each gateway tries them in turn and follows a standby to the active):
              every gateway serves the same volumes vol-1..vol-K, flagged shared (shared, the default), or
              each its own K, proposing distinct ids (distinct) or all proposing ids 1..K (default). A monitor
              refuses shared volumes to gateways not bound to them (monitor.shared-volumes: vol-1..vol-K to
              the simulated gateway ids); a refused volume is left out of the reports.
              MODE is slow, silent, malformed, disconnect or wrong-key; FRACTION of all gateways, e.g.
              --fault slow=0.01,silent=0.01. --duration 0 (the default) runs until interrupted.
              The secret file holds the deployment secret: all its bytes, at least 16, as the monitor reads it.
              T is presented by every gateway, {id} replaced by its id: enroll-{id} gives each its own token.
              --pki-dir DIR: TLS to a monitor run with --pki-dir DIR; each gateway gets a certificate from that CA.
              At most C gateways (default 64) connect at once, from the connect until the session is open or the
              attempt failed; the others wait their turn. A failed attempt is retried after a backoff that doubles
              with each failure in a row, give or take 20%.
              --skew H:V: H of the N gateways, every (N/H)-th from the first, serve V volumes each.""";

    public SimContext {
        if (volumeIds == null) {
            throw new IllegalArgumentException("no volume id mode");
        }
        if (monitors == null || monitors.isEmpty()) {
            throw new IllegalArgumentException("no monitor address (--monitor HOST:PORT)");
        }
        monitors = List.copyOf(monitors);
        if (gateways < 1 || gateways > 1_000_000) {
            throw new IllegalArgumentException("--gateways must be 1..1000000: " + gateways);
        }
        if (volumesPerGateway < 1 || volumesPerGateway > MAX_VOLUMES_PER_GATEWAY) {
            throw new IllegalArgumentException(
                    "--volumes-per-gateway must be 1.." + MAX_VOLUMES_PER_GATEWAY + ": " + volumesPerGateway);
        }
        if (firstGatewayId < 1 || firstGatewayId > Long.MAX_VALUE - gateways) {
            throw new IllegalArgumentException("--first-gateway-id must be positive and leave room for every gateway");
        }
        if (deploymentSecret == null || deploymentSecret.length < Authenticator.MIN_KEY_LENGTH) {
            throw new IllegalArgumentException(
                    "the deployment secret must be at least " + Authenticator.MIN_KEY_LENGTH + " bytes");
        }
        deploymentSecret = deploymentSecret.clone();
        enrollmentToken = enrollmentToken == null ? "" : enrollmentToken;
        if (enrollmentToken(enrollmentToken, Long.MAX_VALUE).length > AuthDescriptor.MAX_TOKEN_LENGTH) {
            throw new IllegalArgumentException("the enrollment token must be at most " + AuthDescriptor.MAX_TOKEN_LENGTH
                    + " bytes of UTF-8 (with {id} replaced)");
        }
        if (durationMillis < 0) {
            throw new IllegalArgumentException("--duration must not be negative");
        }
        if (threads < 1 || threads > MAX_THREADS) {
            throw new IllegalArgumentException("--threads must be 1.." + MAX_THREADS + ": " + threads);
        }
        if (summaryIntervalMillis <= 0) {
            throw new IllegalArgumentException("--summary-interval must be positive");
        }
        if (volumeIds == VolumeIds.DISTINCT
                && (firstGatewayId + gateways - 1)
                                * (double) Math.max(volumesPerGateway, skew == null ? 0 : skew.volumes())
                        > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(
                    "--volume-ids distinct: gateway ids x volumes per gateway overflow a volume id");
        }
        if (connectsInFlight < 1) {
            throw new IllegalArgumentException("--connects-in-flight must be at least 1: " + connectsInFlight);
        }
        if (skew == null) {
            skew = Skew.NONE;
        }
        if (skew.gateways() < 0
                || skew.gateways() > gateways
                || (skew.gateways() > 0 && (skew.volumes() < 1 || skew.volumes() > MAX_VOLUMES_PER_GATEWAY))) {
            throw new IllegalArgumentException("--skew wants 0.." + gateways + " heavy gateways of 1.."
                    + MAX_VOLUMES_PER_GATEWAY + " volumes: " + skew.gateways() + ":" + skew.volumes());
        }
        if (faults == null || volumes == null || timings == null) {
            throw new IllegalArgumentException("faults, volumes and timings are required");
        }
    }

    @Override
    public byte[] deploymentSecret() {
        return deploymentSecret.clone();
    }

    /**
     * How many volumes gateway {@code index} (0-based) serves: {@link #volumesPerGateway}, or the skew's for a heavy
     * one.
     */
    public int volumesOf(int index) {
        if (skew.gateways() == 0) {
            return volumesPerGateway;
        }
        int stride = gateways / skew.gateways();
        return index % stride == 0 && index / stride < skew.gateways() ? skew.volumes() : volumesPerGateway;
    }

    /** The id of volume {@code index} (0-based) of gateway {@code gatewayId}. */
    public int volumeId(long gatewayId, int index) {
        // With a skew every gateway gets room for the heavy ones' volumes, so distinct ids never meet.
        int stride = Math.max(volumesPerGateway, skew.volumes());
        return volumeIds == VolumeIds.DISTINCT ? (int) ((gatewayId - 1) * stride) + index + 1 : index + 1;
    }

    /**
     * Where gateway {@code index} (0-based) connects from: against monitors all on IPv4 loopback, its own address in
     * 127.1.0.0/16 and up (127.1.0.1 for the first), as a fleet of hosts would, so the monitor's per-address limits see
     * one gateway per address; elsewhere null (the kernel chooses).
     */
    public InetSocketAddress sourceAddress(int index) {
        for (InetSocketAddress monitor : monitors) {
            if (!(monitor.getAddress() instanceof Inet4Address)
                    || !monitor.getAddress().isLoopbackAddress()) {
                return null;
            }
        }
        int address = (127 << 24 | 1 << 16) + index + 1;
        try {
            return new InetSocketAddress(
                    InetAddress.getByAddress(new byte[] {
                        (byte) (address >>> 24), (byte) (address >>> 16), (byte) (address >>> 8), (byte) address
                    }),
                    0);
        } catch (UnknownHostException e) {
            throw new IllegalStateException("four bytes are an IPv4 address", e);
        }
    }

    /** The token gateway {@code gatewayId} presents; empty for none. */
    public byte[] enrollmentToken(long gatewayId) {
        return enrollmentToken(enrollmentToken, gatewayId);
    }

    private static byte[] enrollmentToken(String template, long gatewayId) {
        return template.replace("{id}", Long.toString(gatewayId)).getBytes(StandardCharsets.UTF_8);
    }

    public static Builder builder(InetSocketAddress monitor, byte[] deploymentSecret) {
        return new Builder(monitor, deploymentSecret);
    }

    /**
     * Parses the command line ({@link #USAGE}); IllegalArgumentException says what is wrong, NoSuchFileException which
     * file is missing.
     */
    public static SimContext parse(String... args) throws IOException {
        return SimOptions.parse(args);
    }

    /** Defaults for everything but the monitor and the secret. */
    public static final class Builder {
        private SimTls tls;
        private final List<InetSocketAddress> monitors = new ArrayList<>();
        private byte[] deploymentSecret;
        private int gateways = 100;
        private int volumesPerGateway = 4;
        private long firstGatewayId = 1;
        private String enrollmentToken = "";
        private FaultPlan faults = FaultPlan.none();
        private long durationMillis;
        private int threads = Math.min(2, Runtime.getRuntime().availableProcessors());
        private long seed = 1;
        private VolumeProfile volumes = VolumeProfile.DEFAULTS;
        private SimTimings timings = SimTimings.DEFAULTS;
        private long summaryIntervalMillis = 5_000;
        private VolumeIds volumeIds = VolumeIds.SHARED;
        private int connectsInFlight = DEFAULT_CONNECTS_IN_FLIGHT;
        private Skew skew = Skew.NONE;

        private Builder(InetSocketAddress monitor, byte[] deploymentSecret) {
            if (monitor != null) {
                monitors.add(monitor);
            }
            this.deploymentSecret = deploymentSecret;
        }

        /** Another monitor, tried after the ones before it (the servers of a pair). */
        public Builder alsoMonitor(InetSocketAddress monitor) {
            monitors.add(monitor);
            return this;
        }

        public Builder gateways(int gateways) {
            this.gateways = gateways;
            return this;
        }

        public Builder volumesPerGateway(int volumes) {
            this.volumesPerGateway = volumes;
            return this;
        }

        public Builder firstGatewayId(long id) {
            this.firstGatewayId = id;
            return this;
        }

        /** Presented in every AUTH, {@code {id}} replaced by the gateway's id. */
        public Builder enrollmentToken(String token) {
            this.enrollmentToken = token;
            return this;
        }

        public Builder faults(FaultPlan faults) {
            this.faults = faults;
            return this;
        }

        public Builder durationMillis(long millis) {
            this.durationMillis = millis;
            return this;
        }

        public Builder threads(int threads) {
            this.threads = threads;
            return this;
        }

        public Builder seed(long seed) {
            this.seed = seed;
            return this;
        }

        public Builder volumes(VolumeProfile volumes) {
            this.volumes = volumes;
            return this;
        }

        public Builder timings(SimTimings timings) {
            this.timings = timings;
            return this;
        }

        public Builder summaryIntervalMillis(long millis) {
            this.summaryIntervalMillis = millis;
            return this;
        }

        public Builder volumeIds(VolumeIds ids) {
            this.volumeIds = ids;
            return this;
        }

        public SimContext build() {
            return new SimContext(
                    monitors,
                    gateways,
                    volumesPerGateway,
                    firstGatewayId,
                    deploymentSecret,
                    enrollmentToken,
                    faults,
                    durationMillis,
                    threads,
                    seed,
                    volumes,
                    timings,
                    summaryIntervalMillis,
                    volumeIds,
                    tls,
                    connectsInFlight,
                    skew);
        }

        /** A few heavy gateways in the fleet (see {@link Skew}). */
        public Builder skew(Skew heavy) {
            this.skew = heavy;
            return this;
        }

        /** At most this many gateways connecting at once (see {@link SimContext#connectsInFlight()}). */
        public Builder connectsInFlight(int connects) {
            this.connectsInFlight = connects;
            return this;
        }

        public Builder tls(SimTls simTls) {
            this.tls = simTls;
            return this;
        }
    }
}
