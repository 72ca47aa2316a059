package io.sluice.drill;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sluice.testkit.SluiceJvm;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * One server of a pair as an operator runs it: {@code sluice server --config FILE} (the supervisor and its four roles
 * as processes), with its own ports, data directory and mailbox name, on a database shared with the other server. The
 * configuration is written at construction; {@link #start} and {@link #killTree} may alternate any number of times.
 */
public final class PairServer {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final String name;
    private final Path config;
    private final Path dataDir;
    private final Path runDir;
    private final int monitorPort;
    private final int webPort;
    private final Path log;
    private final String classpath;
    private Process process;

    /**
     * @param dir the drill's directory: this server's data directory, configuration and log go under it, named by
     *     {@code suffix}; the deployment secret and the database password are {@code dir/secret} and
     *     {@code dir/db.password}
     * @param jdbcUrl the shared database (a proxy's, to cut this server off)
     * @param approvedGatewayIds the monitor's {@code approve} entry, e.g. {@code 1-13}
     * @param heartbeatTimeoutMillis the supervisor's heartbeat timeout, 0 for its default
     */
    public PairServer(
            Path dir,
            String prefix,
            String suffix,
            String jdbcUrl,
            String user,
            String approvedGatewayIds,
            long heartbeatTimeoutMillis,
            String classpath)
            throws IOException {
        this.name = prefix + "-" + suffix;
        this.classpath = classpath;
        this.monitorPort = freePort();
        this.webPort = freePort();
        this.dataDir = dir.resolve(suffix);
        this.runDir = dataDir.resolve("run");
        this.log = dir.resolve(suffix + "-supervisor.log");
        this.config = dir.resolve(suffix + ".yaml");
        Files.writeString(config, """
                name: %s
                data-dir: %s
                secret-file: %s
                %s
                jvm-options: {db: [-Xmx256m], services: [-Xmx256m], monitor: [-Xmx256m], web: [-Xmx192m]}
                monitor:
                  listen: 127.0.0.1:%d
                  poll-interval-ms: 500
                  approve: ["%s"]
                  pairs: 1
                  insecure-plaintext: true
                database:
                  jdbc-url: %s
                  user: %s
                  password-file: %s
                web:
                  listen: 127.0.0.1:%d
                ha:
                  advertise: 127.0.0.1:%d
                """.formatted(
                        name,
                        dataDir,
                        dir.resolve("secret"),
                        heartbeatTimeoutMillis > 0 ? "heartbeat-timeout-ms: " + heartbeatTimeoutMillis : "",
                        monitorPort,
                        approvedGatewayIds,
                        jdbcUrl,
                        user,
                        dir.resolve("db.password"),
                        webPort,
                        monitorPort));
    }

    public String name() {
        return name;
    }

    public int monitorPort() {
        return monitorPort;
    }

    /** The monitor's address, as the lease names its holder. */
    public String address() {
        return "127.0.0.1:" + monitorPort;
    }

    public String webUrl() {
        return "http://127.0.0.1:" + webPort;
    }

    public Path dataDir() {
        return dataDir;
    }

    public Path runDir() {
        return runDir;
    }

    public Path log() {
        return log;
    }

    public boolean running() {
        return process != null;
    }

    public void start() throws IOException {
        process = SluiceJvm.command(classpath, List.of("-Xmx192m"), List.of("server", "--config", config.toString()))
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .start();
    }

    /** kill -9 of the supervisor and every process under it, at once; returns once all are gone. */
    public void killTree() {
        List<ProcessHandle> tree =
                new ArrayList<>(process.toHandle().descendants().toList());
        tree.add(process.toHandle());
        tree.forEach(ProcessHandle::destroyForcibly);
        for (ProcessHandle p : tree) {
            p.onExit().join();
        }
        process = null;
    }

    /** The {@code ha} part of status.json, or an empty node while this start has written none. */
    public JsonNode ha() {
        try {
            JsonNode status = JSON.readTree(runDir.resolve("status.json").toFile());
            return process == null || status.path("supervisorPid").asLong() != process.pid()
                    ? JSON.createObjectNode()
                    : status.path("ha");
        } catch (IOException e) {
            return JSON.createObjectNode();
        }
    }

    public long epoch() {
        return ha().path("epoch").asLong();
    }

    public boolean is(String role, long epoch) {
        JsonNode ha = ha();
        return ha.path("role").asText().equals(role) && ha.path("epoch").asLong() == epoch;
    }

    /** Active at its epoch, with {@code standby} a standby at the same epoch naming it. */
    public boolean activeWith(PairServer standby) {
        long epoch = epoch();
        return epoch > 0
                && is("active", epoch)
                && standby.is("standby", epoch)
                && standby.ha().path("holder").asText().equals(address());
    }

    /** The time (Unix ms) of the last supervisor log line containing {@code text}, -1 if none. */
    public long logged(String text) {
        try {
            for (String line : Files.readAllLines(log).reversed()) {
                if (line.contains(text)) {
                    return Instant.parse(line.substring(0, line.indexOf(' '))).toEpochMilli();
                }
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return -1;
    }

    /** The supervisor log's last 40 lines, for a failure message. */
    public String tail() {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
        } catch (IOException e) {
            return "";
        }
    }

    static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }
}
