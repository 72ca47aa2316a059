package io.sluice.sim;

import io.sluice.common.CommandLineOptions;
import io.sluice.common.HostPort;
import io.sluice.common.PrivateFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The simulator's command line (see {@link SimContext#USAGE}), read by picocli; an option not given keeps the
 * {@link SimContext.Builder}'s default. Numbers are read here, not by picocli, so their errors say what they always
 * have.
 */
@Command(name = "sluice sim")
final class SimOptions {
    @Option(names = "--monitor", description = "repeatable: the servers of a pair, tried in turn")
    List<String> monitors = new ArrayList<>();

    @Option(names = "--secret-file")
    Path secretFile;

    @Option(names = "--pki-dir")
    Path pkiDir;

    @Option(names = "--enrollment-token-file")
    Path enrollmentTokenFile;

    @Option(names = "--gateways")
    String gateways;

    @Option(names = "--volumes-per-gateway")
    String volumesPerGateway;

    @Option(names = "--volume-ids")
    String volumeIds;

    @Option(names = "--first-gateway-id")
    String firstGatewayId;

    @Option(names = "--fault")
    String fault;

    @Option(names = "--duration")
    String duration;

    @Option(names = "--threads")
    String threads;

    @Option(names = "--seed")
    String seed;

    @Option(names = "--ramp-up-ms")
    String rampUpMillis;

    @Option(names = "--connects-in-flight")
    String connectsInFlight;

    @Option(names = "--summary-interval")
    String summaryInterval;

    @Option(names = "--skew")
    String skew;

    /**
     * The simulator's configuration from {@code args}; IllegalArgumentException says what is wrong, NoSuchFileException
     * which file is missing.
     */
    static SimContext parse(String... args) throws IOException {
        return CommandLineOptions.parse(new SimOptions(), args).context();
    }

    private SimContext context() throws IOException {
        SimContext.Builder builder = SimContext.builder(null, secretFile == null ? null : readSecret(secretFile));
        for (String monitor : monitors) {
            builder.alsoMonitor(HostPort.parse("--monitor", monitor).resolve());
        }
        if (pkiDir != null) {
            builder.tls(SimTls.load(pkiDir));
        }
        if (enrollmentTokenFile != null) {
            builder.enrollmentToken(new String(readSecret(enrollmentTokenFile), StandardCharsets.UTF_8).strip());
        }
        if (gateways != null) {
            builder.gateways((int) number("--gateways", gateways));
        }
        if (volumesPerGateway != null) {
            builder.volumesPerGateway((int) number("--volumes-per-gateway", volumesPerGateway));
        }
        if (volumeIds != null) {
            builder.volumeIds(volumeIds(volumeIds));
        }
        if (firstGatewayId != null) {
            builder.firstGatewayId(number("--first-gateway-id", firstGatewayId));
        }
        if (fault != null) {
            builder.faults(FaultPlan.parse(fault));
        }
        if (duration != null) {
            builder.durationMillis(Math.multiplyExact(number("--duration", duration), 1000L));
        }
        if (threads != null) {
            builder.threads((int) number("--threads", threads));
        }
        if (seed != null) {
            builder.seed(number("--seed", seed));
        }
        if (rampUpMillis != null) {
            SimTimings d = SimTimings.DEFAULTS;
            builder.timings(new SimTimings(
                    number("--ramp-up-ms", rampUpMillis),
                    d.heartbeatIntervalMillis(),
                    d.handshakeTimeoutMillis(),
                    d.backoffMinMillis(),
                    d.backoffMaxMillis(),
                    d.slowDelayMillis(),
                    d.disconnectPeriodMillis(),
                    d.malformedAfterPolls()));
        }
        if (connectsInFlight != null) {
            builder.connectsInFlight((int) number("--connects-in-flight", connectsInFlight));
        }
        if (summaryInterval != null) {
            builder.summaryIntervalMillis(Math.multiplyExact(number("--summary-interval", summaryInterval), 1000L));
        }
        if (skew != null) {
            builder.skew(skew(skew));
        }
        if (secretFile == null) {
            throw new IllegalArgumentException("no deployment secret (--secret-file F)");
        }
        return builder.build();
    }

    /** Every byte of the file, newline included, exactly as {@code sluice monitor --secret-file} reads it. */
    private static byte[] readSecret(Path file) throws IOException {
        if (!Files.exists(file)) {
            throw new NoSuchFileException(file.toString());
        }
        return PrivateFiles.readSecret(file);
    }

    private static VolumeIds volumeIds(String value) {
        return switch (value) {
            case "distinct" -> VolumeIds.DISTINCT;
            case "shared" -> VolumeIds.SHARED;
            case "default" -> VolumeIds.DEFAULT;
            default -> throw new IllegalArgumentException("--volume-ids is shared, distinct or default: " + value);
        };
    }

    private static SimContext.Skew skew(String value) {
        int colon = value.indexOf(':');
        if (colon <= 0) {
            throw new IllegalArgumentException("--skew is HEAVY_GATEWAYS:VOLUMES, e.g. 20:400: " + value);
        }
        return new SimContext.Skew(
                (int) number("--skew", value.substring(0, colon)), (int) number("--skew", value.substring(colon + 1)));
    }

    private static long number(String option, String value) {
        try {
            return Long.parseLong(value.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(option + " wants a number: " + value);
        }
    }
}
