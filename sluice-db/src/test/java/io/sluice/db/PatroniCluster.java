package io.sluice.db;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * A PostgreSQL cluster made highly available by Debian's Patroni, on loopback, for one test: one etcd member as the
 * distributed configuration store and two Patroni nodes, each running its own PostgreSQL 15 (one leader, one streaming
 * replica), with a {@code sluice} role and database made on the leader. Everything runs as the {@code postgres} user
 * (PostgreSQL refuses root) in a private directory under /tmp, on free ports, with short timings (a 10 s leader key, a
 * 1 s loop) so a failover takes seconds. Replication is synchronous ({@code synchronous_mode}): a commit returns once
 * the replica has it, and Patroni promotes only that replica, so nothing the database manager acknowledged is lost with
 * the primary. {@link #close} stops whatever is left, the orphaned postmasters of killed nodes included, and removes
 * the directory.
 */
final class PatroniCluster implements AutoCloseable {
    static final String USER = "sluice";
    static final String PASSWORD = "sluice-ha-secret";
    private static final String SUPERUSER_PASSWORD = "patroni-superuser-secret";
    private static final Path PG_BIN = Path.of("/usr/lib/postgresql/15/bin");
    private static final HttpClient HTTP =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    /** One Patroni node: its REST API and PostgreSQL ports, data directory, and the process tree it runs in. */
    final class Node {
        final String name;
        final int restPort;
        final int pgPort;
        final Path dataDir;
        Process process;

        Node(String name) throws IOException {
            this.name = name;
            this.restPort = freePort();
            this.pgPort = freePort();
            this.dataDir = dir.resolve(name + "-data");
        }

        /**
         * Patroni's own answer: 200 on /leader for the leader, /replica for a running replica, /sync for the
         * synchronous one.
         */
        boolean is(String role) {
            try {
                HttpResponse<Void> r = HTTP.send(
                        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + restPort + "/" + role))
                                .timeout(Duration.ofSeconds(2))
                                .build(),
                        HttpResponse.BodyHandlers.discarding());
                return r.statusCode() == 200;
            } catch (IOException e) {
                return false;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }

        /** The node's host dies: Patroni and its PostgreSQL killed with -9, nothing shut down in order. */
        void killHard() {
            // The tree taken first: the postmaster's children leave it once their parent is gone.
            List<ProcessHandle> tree = process.toHandle().descendants().toList();
            postmaster().ifPresent(ProcessHandle::destroyForcibly);
            tree.forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
        }

        /** This node's postmaster while it runs (a pid file left by a killed one may name another process by now). */
        Optional<ProcessHandle> postmaster() {
            try {
                List<String> pid = Files.readAllLines(dataDir.resolve("postmaster.pid"));
                return pid.isEmpty()
                        ? Optional.empty()
                        : ProcessHandle.of(Long.parseLong(pid.getFirst().trim()))
                                .filter(p -> p.info().commandLine().orElse("").contains(dataDir.toString()));
            } catch (IOException | NumberFormatException e) {
                return Optional.empty();
            }
        }
    }

    private final Path dir;
    private final UserPrincipal postgres;
    private final int etcdClientPort;
    private final int etcdPeerPort;
    private final List<Node> nodes = new ArrayList<>();
    private final List<Process> processes = new ArrayList<>();

    private PatroniCluster(Path dir) throws IOException {
        this.dir = dir;
        this.postgres = dir.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName("postgres");
        this.etcdClientPort = freePort();
        this.etcdPeerPort = freePort();
    }

    /** Starts etcd and two nodes, waits for a leader and a streaming replica, makes the sluice role and database. */
    static PatroniCluster start() throws Exception {
        for (String tool : List.of(
                "/usr/bin/patroni", "/usr/bin/etcd", PG_BIN.resolve("postgres").toString())) {
            if (!Files.isExecutable(Path.of(tool))) {
                throw new IllegalStateException(
                        tool + " is missing: the HA test needs Debian's patroni, etcd-server and "
                                + "postgresql-15 (.ci/run installs them)");
            }
        }
        PatroniCluster cluster = new PatroniCluster(Files.createTempDirectory(
                Path.of("/tmp"),
                "sluice-patroni-",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------"))));
        try {
            cluster.launch();
            return cluster;
        } catch (Exception | AssertionError e) {
            cluster.close();
            throw e;
        }
    }

    private void launch() throws Exception {
        Files.setOwner(dir, postgres);
        String peer = "http://127.0.0.1:" + etcdPeerPort;
        String client = "http://127.0.0.1:" + etcdClientPort;
        processes.add(runAsPostgres(
                "etcd",
                List.of(
                        "/usr/bin/etcd",
                        "--name",
                        "etcd1",
                        "--data-dir",
                        dir.resolve("etcd").toString(),
                        "--listen-client-urls",
                        client,
                        "--advertise-client-urls",
                        client,
                        "--listen-peer-urls",
                        peer,
                        "--initial-advertise-peer-urls",
                        peer,
                        "--initial-cluster",
                        "etcd1=" + peer)));
        Node first = new Node("node1");
        Node second = new Node("node2");
        nodes.add(first);
        nodes.add(second);
        startNode(first);
        await(120_000, () -> first.is("leader"), "node1 bootstraps and leads");
        startNode(second);
        await(120_000, () -> second.is("sync"), "node2 clones node1 and streams from it as its synchronous standby");
        try (Connection c = DriverManager.getConnection(
                        "jdbc:postgresql://127.0.0.1:" + first.pgPort + "/postgres", "postgres", SUPERUSER_PASSWORD);
                Statement s = c.createStatement()) {
            c.setAutoCommit(true);
            s.execute("CREATE ROLE " + USER + " LOGIN PASSWORD '" + PASSWORD + "'");
            s.execute("CREATE DATABASE " + USER + " OWNER " + USER);
        }
    }

    private void startNode(Node node) throws IOException {
        Path config = dir.resolve(node.name + ".yml");
        writePrivate(config, """
                scope: sluice-test
                name: %1$s
                restapi:
                  listen: 127.0.0.1:%2$d
                  connect_address: 127.0.0.1:%2$d
                etcd3:
                  hosts: 127.0.0.1:%3$d
                bootstrap:
                  dcs:
                    ttl: 10
                    loop_wait: 1
                    retry_timeout: 4
                    maximum_lag_on_failover: 1048576
                    synchronous_mode: true
                    postgresql:
                      use_pg_rewind: true
                      parameters:
                        wal_level: replica
                        hot_standby: "on"
                        wal_log_hints: "on"
                  initdb:
                  - encoding: UTF8
                  - auth: scram-sha-256
                  pg_hba:
                  - local all postgres peer
                  - host replication replicator 127.0.0.1/32 scram-sha-256
                  - host all all 127.0.0.1/32 scram-sha-256
                postgresql:
                  listen: 127.0.0.1:%4$d
                  connect_address: 127.0.0.1:%4$d
                  data_dir: %5$s
                  bin_dir: %6$s
                  pgpass: %7$s
                  authentication:
                    superuser:
                      username: postgres
                      password: %8$s
                    replication:
                      username: replicator
                      password: replication-secret
                    rewind:
                      username: rewinder
                      password: rewind-secret
                  parameters:
                    unix_socket_directories: %9$s
                """.formatted(
                        node.name,
                        node.restPort,
                        etcdClientPort,
                        node.pgPort,
                        node.dataDir,
                        PG_BIN,
                        dir.resolve(node.name + ".pgpass"),
                        SUPERUSER_PASSWORD,
                        dir));
        node.process = runAsPostgres(node.name, List.of("/usr/bin/patroni", config.toString()));
        processes.add(node.process);
    }

    private void writePrivate(Path file, String text) throws IOException {
        Files.writeString(file, text, StandardCharsets.UTF_8);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        Files.setOwner(file, postgres);
    }

    private Process runAsPostgres(String name, List<String> command) throws IOException {
        List<String> full = new ArrayList<>(List.of("runuser", "-u", "postgres", "--"));
        full.addAll(command);
        return new ProcessBuilder(full)
                .directory(dir.toFile())
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve(name + ".log").toFile())
                .start();
    }

    /** A multi-host URL over both nodes that connects to whichever is the primary now. */
    String url() {
        return "jdbc:postgresql://127.0.0.1:" + nodes.get(0).pgPort + ",127.0.0.1:" + nodes.get(1).pgPort + "/" + USER
                + "?targetServerType=primary";
    }

    List<Node> nodes() {
        return nodes;
    }

    Node leader() {
        return nodes.stream()
                .filter(n -> n.is("leader"))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no leader; logs in " + dir));
    }

    /** A planned switchover through the leader's REST API, to the other node; returns the new leader. */
    Node switchover() throws Exception {
        Node from = leader();
        Node to = nodes.stream().filter(n -> n != from).findFirst().orElseThrow();
        HttpResponse<String> r = HTTP.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + from.restPort + "/switchover"))
                        .timeout(Duration.ofSeconds(60))
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(
                                "{\"leader\":\"" + from.name + "\",\"candidate\":\"" + to.name + "\"}"))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new AssertionError("switchover refused: " + r.statusCode() + " " + r.body());
        }
        await(60_000, () -> to.is("leader"), to.name + " leads after the switchover");
        // Only the synchronous standby may be promoted: the old leader must have rejoined as one.
        await(120_000, () -> from.is("sync"), from.name + " rejoins as " + to.name + "'s synchronous standby");
        return to;
    }

    /** What the nodes logged, for a failure's message. */
    String logs() {
        StringBuilder text = new StringBuilder();
        for (Node node : nodes) {
            try {
                List<String> lines = Files.readAllLines(dir.resolve(node.name + ".log"));
                text.append("\n--- ")
                        .append(node.name)
                        .append(" (last 20 lines)\n")
                        .append(String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size())));
            } catch (IOException e) {
                text.append("\n--- ").append(node.name).append(": ").append(e.getMessage());
            }
        }
        return text.toString();
    }

    /** Waits for {@code condition}; the failure carries the nodes' logs. */
    void await(long timeoutMillis, BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + timeoutMillis * 1_000_000L;
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("not within " + timeoutMillis + " ms: " + what + logs());
            }
            Thread.sleep(200);
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    /** Patroni asked to stop (it stops its PostgreSQL), then whatever is left killed, the directory removed. */
    @Override
    public void close() throws Exception {
        for (Node node : nodes) {
            if (node.process != null && node.process.isAlive()) {
                node.process
                        .toHandle()
                        .descendants()
                        .filter(p -> p.info().commandLine().orElse("").contains("patroni"))
                        .forEach(ProcessHandle::destroy);
            }
        }
        for (Node node : nodes) {
            if (node.process != null) {
                node.process.waitFor(30, TimeUnit.SECONDS);
            }
        }
        for (Node node : nodes) {
            node.postmaster().ifPresent(ProcessHandle::destroyForcibly);
        }
        for (Process p : processes) {
            p.toHandle().descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
            p.waitFor(10, TimeUnit.SECONDS);
        }
        try (var files = Files.walk(dir)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
