package io.sluice.bench.monitor;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * One monitor implementation in its own JVM, driven line by line over stdin by the benchmark: {@code SESSIONS},
 * {@code SWEEP}, {@code THROTTLE count concurrent gateways}, {@code THREADS}, {@code HANDSHAKES} (Sluice only: peak in
 * progress, times at the bound, timeouts), {@code BALANCE} (Sluice only: sessions migrated, sessions read by another
 * pair), {@code PLACEMENT id...} (Sluice only: how many of those gateways each pair serves), {@code MOVE pair id...}
 * (Sluice only: asks the monitor to move those gateways to that pair), {@code QUIT}. Args: KIND (sluice, sluice-count:
 * balanced by session count alone, sluice-tls, platform, virtual, netty), SECRET_FILE, MAX_GATEWAYS, POLL_INTERVAL_MS
 * (sluice only), PKI_DIR (sluice-tls), HANDSHAKE_BOUND (sluice-tls, optional: 0 or absent for the monitor's default).
 */
public final class BenchServerMain {
    public static void main(String[] args) throws Exception {
        byte[] secret = Files.readAllBytes(Path.of(args[1]));
        int maxGateways = Integer.parseInt(args[2]);
        SweepServer server = switch (args[0]) {
            case "sluice" -> new SluiceSweepServer(secret, maxGateways, Long.parseLong(args[3]), null, 0, true);
            case "sluice-count" -> new SluiceSweepServer(secret, maxGateways, Long.parseLong(args[3]), null, 0, false);
            case "sluice-tls" ->
                new SluiceSweepServer(
                        secret,
                        maxGateways,
                        Long.parseLong(args[3]),
                        Path.of(args[4]),
                        args.length > 5 ? Integer.parseInt(args[5]) : 0,
                        true);
            case "platform" -> new ThreadPerGatewayServer(secret, false);
            case "virtual" -> new ThreadPerGatewayServer(secret, true);
            case "netty" -> new NettySweepServer(secret);
            default -> throw new IllegalArgumentException("unknown server " + args[0]);
        };
        System.out.println("PORT " + server.port()
                + (server instanceof SluiceSweepServer s ? " SERVICES " + s.servicesMailbox() : ""));
        System.out.flush();
        try (server) {
            serve(server);
        }
        System.exit(0);
    }

    /**
     * Answers the benchmark's commands until QUIT or the end of stdin; the caller closes the server whatever happens.
     */
    private static void serve(SweepServer server) throws Exception {
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        String line;
        while ((line = in.readLine()) != null) {
            String[] words = line.trim().split(" ");
            String answer = switch (words[0]) {
                case "SESSIONS" -> "SESSIONS " + server.sessions();
                case "SWEEP" -> "SWEPT " + server.sweep();
                case "THREADS" ->
                    "THREADS " + ManagementFactory.getThreadMXBean().getThreadCount()
                            + (server instanceof SluiceSweepServer s ? " PAIRS " + s.pairs() : "");
                case "THROTTLE" -> {
                    long[] p = ((SluiceSweepServer) server)
                            .throttleLatency(
                                    Integer.parseInt(words[1]), Integer.parseInt(words[2]), Integer.parseInt(words[3]));
                    yield "THROTTLE " + p[0] + " " + p[1];
                }
                case "CALLS" -> "CALLS " + (server instanceof SluiceSweepServer s ? s.reportCalls() : "-1 -1");
                case "BALANCE" -> "BALANCE " + (server instanceof SluiceSweepServer s ? s.balance() : "-1 -1");
                case "PLACEMENT" ->
                    "PLACEMENT "
                            + ((SluiceSweepServer) server)
                                    .placement(Arrays.stream(words)
                                            .skip(1)
                                            .mapToLong(Long::parseLong)
                                            .toArray());
                case "MOVE" -> {
                    ((SluiceSweepServer) server)
                            .move(
                                    Integer.parseInt(words[1]),
                                    Arrays.stream(words)
                                            .skip(2)
                                            .mapToLong(Long::parseLong)
                                            .toArray());
                    yield "MOVING " + (words.length - 2);
                }
                case "HANDSHAKES" ->
                    "HANDSHAKES " + (server instanceof SluiceSweepServer s ? s.handshakes() : "-1 -1 -1");
                case "QUIT" -> null;
                default -> "ERROR unknown command " + words[0];
            };
            if (answer == null) {
                break;
            }
            System.out.println(answer);
            System.out.flush();
        }
    }
}
