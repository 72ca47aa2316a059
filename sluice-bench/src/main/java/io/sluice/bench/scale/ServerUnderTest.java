package io.sluice.bench.scale;

import com.fasterxml.jackson.databind.JsonNode;
import io.sluice.bench.JsonCaller;
import io.sluice.common.PrivateFiles;
import io.sluice.mailbox.ServerMailboxes;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The SLA server as an operator runs it: {@code ./sluice server --config FILE}, a child process (the supervisor) that
 * starts the four roles (db, services, monitor, web) as JVMs of their own, with a configuration written here: its own
 * data and run directories under {@code work}, a mailbox name unique to this run, a secret file, free loopback ports.
 * {@link #close} stops the supervisor (SIGTERM: it stops the roles in reverse order), kills whatever of its process
 * tree is left, and deletes the mailbox files.
 */
final class ServerUnderTest implements AutoCloseable {
    static final List<String> ROLES = List.of("db", "services", "monitor", "web");
    static final List<String> MAILBOX_SUFFIXES = List.of(
            ServerMailboxes.DB_SUFFIX,
            ServerMailboxes.SERVICES_SUFFIX,
            ServerMailboxes.SERVICES_QUERIES_SUFFIX,
            ServerMailboxes.MONITOR_SUFFIX);
    private static final Path MAILBOX_DIR = Path.of("/dev/shm");

    final String name;
    final Path work;
    final Path runDir;
    final Path config;
    final byte[] secret;
    final int monitorPort;
    final int webPort;
    private final Path output;
    private Process process;
    /** Every process of the server's tree seen so far: killed at close if still alive. */
    private final Map<Long, ProcessHandle> seen = new LinkedHashMap<>();

    private boolean closed;

    /** A database other than the embedded H2 default: its JDBC URL, user and password. */
    record Database(String jdbcUrl, String user, String password) {}

    /** @param database null for the embedded H2 default under the data directory */
    ServerUnderTest(Path work, long pollMillis, List<String> approve, Database database) throws IOException {
        this.work = work;
        this.name = "sluice-bench-scale-" + ProcessHandle.current().pid() + "-" + System.currentTimeMillis();
        this.runDir = work.resolve("run");
        this.output = work.resolve("server.out");
        this.monitorPort = freePort();
        this.webPort = freePort();
        Path secretFile = work.resolve("deployment.secret");
        byte[] random = new byte[24];
        new SecureRandom().nextBytes(random);
        this.secret = ("scale-bench-" + HexFormat.of().formatHex(random)).getBytes(StandardCharsets.UTF_8);
        PrivateFiles.writeSecret(secretFile, secret);
        StringBuilder approved = new StringBuilder();
        for (String a : approve) {
            approved.append(approved.isEmpty() ? "" : ", ")
                    .append('"')
                    .append(a)
                    .append('"');
        }
        this.config = work.resolve("sluice.yaml");
        Files.writeString(config, """
                # written by sluice bench scale
                name: %s
                data-dir: "%s"
                run-dir: "%s"
                mailbox-dir: "%s"
                secret-file: "%s"
                roles: [db, services, monitor, web]
                monitor:
                  listen: 127.0.0.1:%d
                  poll-interval-ms: %d
                  approve: [%s]
                  # the whole fleet may connect at once: room for all of it unauthenticated
                  max-unauthenticated: 20000
                  max-unauthenticated-per-address: 20000
                  # the simulators speak plaintext here: this benchmark measures the server's scale, not TLS
                  # (sluice bench monitor compares the two)
                  insecure-plaintext: true
                web:
                  listen: 127.0.0.1:%d
                """.formatted(
                        name,
                        work.resolve("data"),
                        runDir,
                        MAILBOX_DIR,
                        secretFile,
                        monitorPort,
                        pollMillis,
                        approved,
                        webPort));
        if (database != null) {
            Path passwordFile = PrivateFiles.writeSecret(
                    work.resolve("db.password"), database.password().getBytes(StandardCharsets.UTF_8));
            Files.writeString(
                    config,
                    """
                    database:
                      jdbc-url: "%s"
                      user: "%s"
                      password-file: "%s"
                    """.formatted(database.jdbcUrl(), database.user(), passwordFile),
                    StandardOpenOption.APPEND);
        }
    }

    Path mailbox(String suffix) {
        return ServerMailboxes.file(MAILBOX_DIR, name, suffix);
    }

    /** Starts {@code launcher server --config FILE}; returns once every role runs and status.json names it. */
    void start(Path launcher, long timeoutMillis) throws Exception {
        ProcessBuilder builder = new ProcessBuilder(launcher.toString(), "server", "--config", config.toString())
                .directory(launcher.getParent().toFile())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.to(output.toFile()));
        // The same JDK as this benchmark; none of the benchmark's own JVM options.
        builder.environment().put("JAVA_HOME", System.getProperty("java.home"));
        builder.environment().remove("SLUICE_JAVA_OPTS");
        process = builder.start();
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        while (true) {
            remember();
            if (!process.isAlive()) {
                throw new IOException("sluice server exited with " + process.exitValue() + ":\n" + tail(output, 30));
            }
            JsonNode status = status();
            if (status != null && allRolesAlive(status)) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new IOException("the server's roles did not all start within " + timeoutMillis + " ms; status "
                        + status + "\n" + tail(output, 30));
            }
            Thread.sleep(200);
        }
    }

    private static boolean allRolesAlive(JsonNode status) {
        int alive = 0;
        for (JsonNode role : status.path("roles")) {
            if (role.path("alive").asBoolean() && role.path("pid").asLong() > 0) {
                alive++;
            }
        }
        return alive == ROLES.size();
    }

    /** The supervisor's status.json (written every second once every role has started), or null before. */
    JsonNode status() {
        try {
            return JsonCaller.JSON.readTree(Files.readAllBytes(runDir.resolve("status.json")));
        } catch (NoSuchFileException e) {
            return null;
        } catch (IOException e) {
            return null; // replaced while read: the next look sees the new one
        }
    }

    /** Each role's pid as status.json names it, plus "supervisor". */
    Map<String, Long> pids() {
        Map<String, Long> pids = new LinkedHashMap<>();
        JsonNode status = status();
        if (status == null) {
            return pids;
        }
        pids.put("supervisor", status.path("supervisorPid").asLong());
        for (JsonNode role : status.path("roles")) {
            pids.put(role.path("name").asText(), role.path("pid").asLong());
        }
        remember();
        return pids;
    }

    /** Restarts of every role so far, by status.json. */
    int restarts() {
        int restarts = 0;
        JsonNode status = status();
        if (status != null) {
            for (JsonNode role : status.path("roles")) {
                restarts += role.path("restarts").asInt();
            }
        }
        return restarts;
    }

    /** utime + stime of {@code pid} in clock ticks (/proc/PID/stat fields 14 and 15), or -1 if it is gone. */
    static long cpuTicks(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            // The command name (field 2) is in parentheses and may hold spaces: count fields after it.
            String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    private void remember() {
        if (process == null) {
            return;
        }
        ProcessHandle root = process.toHandle();
        seen.putIfAbsent(root.pid(), root);
        root.descendants().forEach(p -> seen.putIfAbsent(p.pid(), p));
    }

    Path output() {
        return output;
    }

    static String tail(Path file, int lines) {
        try {
            List<String> all = Files.readAllLines(file, StandardCharsets.UTF_8);
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException e) {
            return "(no " + file + ")";
        }
    }

    @Override
    public synchronized void close() throws InterruptedException {
        if (closed) {
            return;
        }
        closed = true;
        List<String> notes = new ArrayList<>();
        if (process != null) {
            remember();
            // SIGTERM to the supervisor: it stops the roles in reverse order, each within 5 s.
            process.destroy();
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                notes.add("the supervisor did not stop within 30 s; killed");
            }
            for (ProcessHandle p : seen.values()) {
                // A ProcessHandle is of one process (pid and start time): a reused pid is not touched.
                if (p.isAlive()) {
                    notes.add("killed pid " + p.pid() + " "
                            + p.info().commandLine().orElse(""));
                    p.destroyForcibly();
                }
            }
            for (ProcessHandle p : seen.values()) {
                p.onExit().completeOnTimeout(p, 5, TimeUnit.SECONDS).join();
            }
        }
        for (String suffix : MAILBOX_SUFFIXES) {
            try {
                Files.deleteIfExists(mailbox(suffix));
            } catch (IOException e) {
                notes.add("could not delete " + mailbox(suffix) + ": " + e.getMessage());
            }
        }
        try {
            Files.deleteIfExists(mailbox(MAILBOX_SUFFIXES.getFirst()).getParent());
        } catch (IOException e) {
            notes.add("could not delete the mailbox directory: " + e.getMessage());
        }
        notes.forEach(n -> System.err.println("scale: " + n));
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }
}
