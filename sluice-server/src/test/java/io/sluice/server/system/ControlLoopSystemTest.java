package io.sluice.server.system;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.common.EpochClock;
import io.sluice.monitor.MonitorContext;
import io.sluice.monitor.MonitorDaemon;
import io.sluice.services.daemon.ServicesConfig;
import io.sluice.services.daemon.ServicesDaemon;
import io.sluice.services.inventory.BackendProfile;
import io.sluice.services.inventory.VolumePlacement;
import io.sluice.services.sla.PriorityClass;
import io.sluice.services.sla.Scope;
import io.sluice.sim.SimContext;
import io.sluice.sim.Simulator;
import io.sluice.testkit.Await;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The control loop of the SLA server through its real mailboxes: simulated gateways report to the monitor, the monitor
 * hands the reports to the SLA services, the analyzer turns them and the SLAs into throttle sets, the monitor delivers
 * them and the gateways acknowledge.
 */
@Tag("system")
class ControlLoopSystemTest {
    private static final byte[] SECRET = "control-loop-secret-0123456789".getBytes(StandardCharsets.UTF_8);

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void slaLimitReachesEveryGatewayServingTheVolume() throws Exception {
        String name = "sluice-loop-" + ProcessHandle.current().pid();
        Path monitorBox = Path.of("/dev/shm", name + "-monitor");
        Path servicesBox = Path.of("/dev/shm", name + "-services");
        Path queriesBox = Path.of("/dev/shm", name + "-services-queries");
        int gateways = 10;
        ServicesConfig config = new ServicesConfig(
                List.of(new BackendProfile("array-1", 1_000_000, 200)),
                List.of(
                        new VolumePlacement(1, "array-1", List.of(), 1L << 40),
                        new VolumePlacement(2, "array-1", List.of(), 1L << 40)),
                List.of(new ServicesConfig.SlaSpec(
                        "bronze", Scope.volume(1), 400, 0, null, PriorityClass.BEST_EFFORT, null)));
        MonitorContext context = MonitorContext.defaults(
                        new InetSocketAddress("127.0.0.1", 0), monitorBox, servicesBox, SECRET)
                .withApproved(LongStream.rangeClosed(1, gateways).boxed().collect(Collectors.toSet()))
                // Every simulated gateway serves vol-1 and vol-2, flagged shared: one volume each behind ten gateways.
                .withSharedVolumes(Map.of(
                        "vol-1",
                        LongStream.rangeClosed(1, gateways).boxed().collect(Collectors.toSet()),
                        "vol-2",
                        LongStream.rangeClosed(1, gateways).boxed().collect(Collectors.toSet())))
                .withPolling(200, 3)
                .withPairs(1, gateways);
        try (MonitorDaemon monitor = new MonitorDaemon(context);
                ServicesDaemon services = new ServicesDaemon(
                                servicesBox, queriesBox, monitorBox, null, config, 200, EpochClock.system())
                        .start();
                Simulator sim = Simulator.start(SimContext.builder(monitor.address(), SECRET)
                        .gateways(gateways)
                        .volumesPerGateway(2)
                        .firstGatewayId(1)
                        .seed(3)
                        .build())) {
            Await.until(60_000, () -> services.gatewaysThrottled(1) == gateways);
            Await.until(60_000, () -> services.iopsLimit(1) > 0 && services.iopsLimit(1) <= 400 * 105 / 100);
            Await.until(60_000, () -> sim.snapshot().total().throttleSetsAcked() >= gateways);
            Await.until(60_000, () -> services.throttlesAcked() >= gateways);
            assertThat(services.reports()).isPositive();
            Await.until(
                    60_000,
                    () -> services.forecast("array-1") != null
                            && services.forecast("array-1").samples() >= 1);
            assertThat(services.forecast("array-1").capacityBytes()).isPositive();
            assertThat(monitor.counters().throttlesAcked()).isGreaterThanOrEqualTo(gateways);
            // The volume without an SLA is not held to the bronze volume's limit.
            long unlimited = services.iopsLimit(2);
            assertThat(unlimited == 0 || unlimited > 400)
                    .as("volume 2 limit %d", unlimited)
                    .isTrue();
        } finally {
            // The test named every mailbox the roles opened or created, so it owns their removal.
            for (Path box : List.of(monitorBox, servicesBox, queriesBox)) {
                Files.deleteIfExists(box);
            }
        }
        try (var left = Files.list(Path.of("/dev/shm"))) {
            assertThat(left.map(p -> p.getFileName().toString()).filter(f -> f.startsWith(name)))
                    .as("mailbox files left behind")
                    .isEmpty();
        }
    }
}
