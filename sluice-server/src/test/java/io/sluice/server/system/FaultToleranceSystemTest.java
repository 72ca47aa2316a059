package io.sluice.server.system;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The SLA server's fault tolerance under real I/O: fio (nbd engine, crc32c verify) writes through a
 * gateway while roles are killed with SIGKILL, the gateway is killed, the gateway-monitor link is cut
 * and restored, and mailbox files are corrupted before a start.
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class FaultToleranceSystemTest {
    /** The server roles under test, in the order they are killed. */
    static final List<String> ROLES = List.of("services", "monitor");
    private static final long POLL_MILLIS = 500;
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    @Test
    void everyRoleKilledUnderFioLoadIsBackWithinTwoSecondsAndIoNeverStops() throws Exception {
        try (ServerHarness server = new ServerHarness(dir, ROLES, POLL_MILLIS)) {
            ServerHarness.await(60_000, () -> server.linkState().equals("IN_SESSION") && server.qosVersion() > 0);
            long versionInForce = server.qosVersion();
            Process fio = fio(server, 30);
            ServerHarness.await(30_000, () -> server.gatewayOps() > 1_000);
            List<String> report = new ArrayList<>();
            for (String role : ROLES) {
                long ops = server.gatewayOps();
                long pid = server.kill(role);
                long restartMillis = server.awaitRestarted(role, pid, 10_000);
                ServerHarness.await(10_000, () -> server.gatewayOps() > ops + 500);
                assertThat(server.qosVersion()).as("the gateway keeps its parameters while %s is down", role)
                        .isGreaterThanOrEqualTo(versionInForce);
                server.awaitAttached(role, 30_000);
                report.add(role + " restarted in " + restartMillis + " ms");
                assertThat(restartMillis).as("%s back within 2 s of kill -9", role).isLessThanOrEqualTo(2_000);
            }
            assertThat(fio.waitFor(90, TimeUnit.SECONDS)).isTrue();
            JsonNode job = fioReport(fio).path("jobs").path(0);
            assertThat(fio.exitValue()).as(Files.readString(dir.resolve("fio.err"))).isZero();
            assertThat(job.path("error").asInt()).isZero();
            assertThat(job.path("write").path("total_ios").asLong()).isPositive();
            assertThat(server.role("gateway").restarts()).as("the gateway never went down").isZero();
            System.out.println("fault test: " + String.join(", ", report) + "; fio wrote "
                    + job.path("write").path("total_ios").asLong() + " blocks, verified, 0 errors");
        }
    }

    @Test
    void aKilledGatewayComesBackAndAGatewayCutOffStaysFailStaticThenResyncs() throws Exception {
        try (ServerHarness server = new ServerHarness(dir, ROLES, POLL_MILLIS)) {
            ServerHarness.await(60_000, () -> server.linkState().equals("IN_SESSION") && server.qosVersion() > 0);
            long version = server.qosVersion();

            // kill -9 of the gateway mid-I/O: restarted, clients reconnect, parameters re-sent on registration.
            Process fio = fio(server, 30);
            ServerHarness.await(30_000, () -> server.gatewayOps() > 1_000);
            long pid = server.kill("gateway");
            Files.deleteIfExists(server.statsFile());
            server.awaitRestarted("gateway", pid, 10_000);
            long restartedAt = System.nanoTime();
            ServerHarness.await(30_000, () -> server.linkState().equals("IN_SESSION") && server.qosVersion() >= version);
            long resyncMillis = (System.nanoTime() - restartedAt) / 1_000_000;
            fio.waitFor(60, TimeUnit.SECONDS);
            Process client = fio(server, 3);
            assertThat(client.waitFor(60, TimeUnit.SECONDS)).isTrue();
            assertThat(client.exitValue()).as("a new client connects and verifies").isZero();

            // The link cut: the gateway keeps serving with the parameters in force, then re-syncs.
            long sessions = server.linkSessions();
            server.link.cut();
            ServerHarness.await(30_000, () -> !server.linkState().equals("IN_SESSION"));
            Process during = fio(server, 3);
            assertThat(during.waitFor(60, TimeUnit.SECONDS)).isTrue();
            assertThat(during.exitValue()).as("I/O goes on without the monitor").isZero();
            assertThat(server.qosVersion()).as("fail-static: the last parameters stay in force").isGreaterThanOrEqualTo(version);
            server.link.restore();
            ServerHarness.await(30_000, () -> server.linkState().equals("IN_SESSION") && server.linkSessions() > sessions);
            System.out.println("fault test: gateway restarted after kill -9, registered and its parameters in force "
                    + resyncMillis + " ms after its restart (poll interval " + POLL_MILLIS + " ms); link cut and restored, "
                    + "sessions " + sessions + " -> " + server.linkSessions());
        }
    }

    @Test
    void corruptMailboxFilesAtStartAreMovedAsideAndRecreated() throws Exception {
        String name = "sluice-ft-" + ProcessHandle.current().pid();
        Path services = Path.of("/dev/shm", name + "-services");
        Path monitor = Path.of("/dev/shm", name + "-monitor");
        Files.write(services, new byte[4096]);
        Files.writeString(monitor, "SLUICEMB but not really a mailbox");
        try (ServerHarness server = new ServerHarness(dir, ROLES, POLL_MILLIS)) {
            assertThat(server.log).filteredOn(line -> line.contains("unusable") && line.contains("moved to")).hasSize(2);
            ServerHarness.await(60_000, () -> server.linkState().equals("IN_SESSION") && server.qosVersion() > 0);
            for (String role : ROLES) {
                assertThat(server.role(role).restarts()).as("%s started once, no crash loop", role).isZero();
            }
        } finally {
            try (var aside = Files.list(Path.of("/dev/shm"))) {
                for (Path p : aside.filter(p -> p.getFileName().toString().startsWith(name)).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }

    private Process fio(ServerHarness server, int seconds) throws Exception {
        Path out = Files.createTempFile(dir, "fio", ".json");
        Files.writeString(dir.resolve("fio.last"), out.toString());
        return new ProcessBuilder("fio", "--name=verify", "--ioengine=nbd", "--uri=" + server.nbdUri(),
                "--rw=randwrite", "--bs=4k", "--iodepth=8", "--size=16m", "--time_based", "--runtime=" + seconds,
                "--verify=crc32c", "--verify_backlog=128", "--verify_fatal=1", "--verify_state_save=0",
                "--output-format=json", "--output=" + out)
                .redirectError(dir.resolve("fio.err").toFile()).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    }

    private JsonNode fioReport(Process fio) throws Exception {
        return JSON.readTree(Path.of(Files.readString(dir.resolve("fio.last"))).toFile());
    }
}
