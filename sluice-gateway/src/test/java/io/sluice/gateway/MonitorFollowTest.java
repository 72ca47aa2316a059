package io.sluice.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.gateway.link.LinkState;
import io.sluice.gateway.link.MonitorLink;
import io.sluice.gateway.link.MonitorLinkConfig;
import io.sluice.gateway.qos.QosSetting;
import io.sluice.protocol.FrameDescriptor;
import io.sluice.protocol.FrameType;
import io.sluice.protocol.GatewayKeys;
import io.sluice.protocol.StandbyDescriptor;
import io.sluice.protocol.ThrottleAckStatus;
import io.sluice.testkit.Await;
import io.sluice.testkit.FakeMonitor;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A gateway with several monitors (the servers of a pair) over loopback, against fake monitors that speak the real
 * protocol: it follows a standby to the active, moves on when a standby knows none, survives malformed refusals, and
 * refuses a server of an older fencing epoch (its sessions and its throttle sets), keeping its parameters.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class MonitorFollowTest {
    private static final byte[] SECRET = "monitor-follow-test-secret-0123456789".getBytes(StandardCharsets.UTF_8);
    private static final long GATEWAY_ID = 43;
    private static final byte[] KEY = GatewayKeys.derive(SECRET, GATEWAY_ID);
    private static final long WAIT_MILLIS = 40_000;

    @TempDir
    Path dir;

    @Test
    void aStandbyNamingTheActiveSendsTheGatewayThere() throws Exception {
        Tools.emptyFile(dir, "a.img", 1 << 20);
        try (FakeMonitor active = FakeMonitor.forKey(KEY, 0);
                FakeMonitor standby = FakeMonitor.forKey(KEY, 0);
                ServerSocket dead = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
                Gateway gateway = Gateway.start(GatewayContext.parse("127.0.0.1:0", "a=" + dir.resolve("a.img")))) {
            standby.answerHelloWith(FakeMonitor.standbyOf("127.0.0.1:" + active.port()));
            InetSocketAddress nowhere = (InetSocketAddress) dead.getLocalSocketAddress();
            dead.close();
            // The active is not even in the list: only the redirect leads there.
            try (MonitorLink link = MonitorLink.start(config(standby.port(), nowhere.getPort()), gateway)) {
                Await.until(
                        WAIT_MILLIS,
                        () -> link.state() == LinkState.IN_SESSION && active.inSession(),
                        () -> link.status().toString());
                assertThat(link.status().monitor()).isEqualTo("127.0.0.1:" + active.port());
                assertThat(link.status().standbyReferrals()).isEqualTo(1);
                assertThat(link.status().connectFailures())
                        .as("the redirect is no failure")
                        .isZero();
                assertThat(standby.sessions.get()).isZero();
                assertThat(active.sessions.get()).isEqualTo(1);
            }
        }
    }

    @Test
    void aStandbyThatKnowsNoActiveSendsTheGatewayOnThroughItsList() throws Exception {
        Tools.emptyFile(dir, "a.img", 1 << 20);
        try (FakeMonitor standby = FakeMonitor.forKey(KEY, 0);
                FakeMonitor active = FakeMonitor.forKey(KEY, 0);
                Gateway gateway = Gateway.start(GatewayContext.parse("127.0.0.1:0", "a=" + dir.resolve("a.img")))) {
            standby.answerHelloWith(FakeMonitor.standbyOf(null));
            try (MonitorLink link = MonitorLink.start(config(standby.port(), active.port()), gateway)) {
                Await.until(
                        WAIT_MILLIS,
                        () -> link.state() == LinkState.IN_SESSION && active.inSession(),
                        () -> link.status().toString());
                assertThat(standby.hellos.get()).isGreaterThanOrEqualTo(1);
                assertThat(link.status().standbyReferrals()).isGreaterThanOrEqualTo(1);
            }
        }
    }

    @Test
    void malformedRefusalsAreTypedErrorsAndTheGatewayMovesOn() throws Exception {
        Tools.emptyFile(dir, "a.img", 1 << 20);
        try (FakeMonitor broken = FakeMonitor.forKey(KEY, 0);
                FakeMonitor active = FakeMonitor.forKey(KEY, 0);
                Gateway gateway = Gateway.start(GatewayContext.parse("127.0.0.1:0", "a=" + dir.resolve("a.img")))) {
            // A STANDBY naming port 0, then (second round) one whose address length runs past the frame.
            broken.answerHelloWith((b, sequence, gateway1) -> {
                FakeMonitor.standbyOf("127.0.0.1:1").write(b, sequence, gateway1);
                b.put(b.position() - 1, (byte) '0');
            });
            try (MonitorLink link = MonitorLink.start(config(broken.port(), active.port()), gateway)) {
                Await.until(
                        WAIT_MILLIS,
                        () -> link.state() == LinkState.IN_SESSION,
                        () -> link.status().toString());
                assertThat(link.status().standbyReferrals())
                        .as("a malformed frame is not a referral")
                        .isZero();
            }
            broken.answerHelloWith((b, sequence, gateway1) -> {
                int at = b.position();
                FakeMonitor.standbyOf("127.0.0.1:7070").write(b, sequence, gateway1);
                b.putShort(at + StandbyDescriptor.ADDRESS_LENGTH_OFFSET, (short) 200);
            });
            long sessions = active.sessions.get();
            try (MonitorLink link = MonitorLink.start(config(broken.port(), active.port()), gateway)) {
                Await.until(
                        WAIT_MILLIS,
                        () -> link.state() == LinkState.IN_SESSION && active.sessions.get() > sessions,
                        () -> link.status().toString());
            }
            // And one cut short by the close that follows it: TRUNCATED; the link goes on.
            broken.answerHelloWith((b, sequence, gateway1) -> {
                b.putInt(FrameDescriptor.HANDSHAKE_MAX_FRAME_LENGTH);
                b.put((byte) FrameDescriptor.PROTOCOL_VERSION).put((byte) FrameType.STANDBY.code());
            });
            long more = active.sessions.get();
            try (MonitorLink link = MonitorLink.start(config(broken.port(), active.port()), gateway)) {
                Await.until(
                        WAIT_MILLIS,
                        () -> link.state() == LinkState.IN_SESSION && active.sessions.get() > more,
                        () -> link.status().toString());
            }
        }
    }

    @Test
    void aThrottleSetOfAnOlderEpochIsRefusedAndChangesNothing() throws Exception {
        Tools.emptyFile(dir, "a.img", 1 << 20);
        try (FakeMonitor monitor = FakeMonitor.forKey(KEY, 0).atEpoch(7);
                Gateway gateway = Gateway.start(GatewayContext.parse("127.0.0.1:0", "a=" + dir.resolve("a.img")));
                MonitorLink link = MonitorLink.start(config(monitor.port()), gateway)) {
            Await.until(
                    WAIT_MILLIS,
                    () -> link.state() == LinkState.IN_SESSION && monitor.inSession(),
                    () -> link.status().toString());
            assertThat(link.status().epoch()).isEqualTo(7);
            monitor.throttleVolume(1, 1, 5, 1_500);
            Await.until(WAIT_MILLIS, () -> monitor.acks.size() == 1, () -> monitor.acks.toString());
            assertThat(monitor.acks.getFirst().status()).isEqualTo(ThrottleAckStatus.APPLIED);
            QosSetting applied = gateway.qos().current("a");

            monitor.throttleVolume(2, 1, 6, 100, 6);
            Await.until(WAIT_MILLIS, () -> monitor.acks.size() == 2, () -> monitor.acks.toString());
            assertThat(monitor.acks.get(1)).isEqualTo(new FakeMonitor.Ack(2, 1, ThrottleAckStatus.STALE_EPOCH, 5));
            assertThat(gateway.qos().current("a"))
                    .as("fail-static: the parameters in force stay")
                    .isEqualTo(applied);
            // Counted once its ack is written, which can be a moment after the monitor read it.
            Await.until(
                    WAIT_MILLIS,
                    () -> link.status().staleEpochRefusals() == 1,
                    () -> link.status().toString());
            assertThat(link.status().volumesApplied()).isEqualTo(1);

            // A newer epoch is obeyed and becomes the one to beat.
            monitor.throttleVolume(3, 1, 7, 900, 8);
            Await.until(WAIT_MILLIS, () -> monitor.acks.size() == 3, () -> monitor.acks.toString());
            assertThat(monitor.acks.get(2).status()).isEqualTo(ThrottleAckStatus.APPLIED);
            assertThat(gateway.qos().current("a").parameters().iops().rate()).isEqualTo(900);
            assertThat(link.status().epoch()).isEqualTo(8);
        }
    }

    @Test
    void aMonitorOfAnOlderEpochIsLeftBeforeItsSessionOpens() throws Exception {
        Tools.emptyFile(dir, "a.img", 1 << 20);
        try (FakeMonitor newer = FakeMonitor.forKey(KEY, 0).atEpoch(6);
                FakeMonitor older = FakeMonitor.forKey(KEY, 0);
                Gateway gateway = Gateway.start(GatewayContext.parse("127.0.0.1:0", "a=" + dir.resolve("a.img")));
                MonitorLink link = MonitorLink.start(config(newer.port(), older.port()), gateway)) {
            older.atEpoch(5);
            Await.until(
                    WAIT_MILLIS,
                    () -> link.state() == LinkState.IN_SESSION && newer.inSession(),
                    () -> link.status().toString());
            newer.throttleVolume(1, 1, 5, 1_500);
            Await.until(WAIT_MILLIS, () -> newer.acks.size() == 1, () -> newer.acks.toString());
            QosSetting applied = gateway.qos().current("a");

            // The active's server goes away; the other one still thinks it is active at the epoch it lost.
            newer.close();
            Await.until(
                    WAIT_MILLIS,
                    () -> link.status().staleEpochRefusals() >= 2,
                    () -> link.status().toString());
            assertThat(older.hellos.get()).isGreaterThanOrEqualTo(2);
            assertThat(older.sessions.get())
                    .as("no VOLUMES: its session never opened")
                    .isZero();
            assertThat(link.state()).isNotEqualTo(LinkState.IN_SESSION);
            assertThat(link.status().epoch()).isEqualTo(6);
            assertThat(gateway.qos().current("a")).isEqualTo(applied);
        }
    }

    private static MonitorLinkConfig config(int... ports) {
        List<InetSocketAddress> addresses = Arrays.stream(ports)
                .mapToObj(port -> InetSocketAddress.createUnresolved("127.0.0.1", port))
                .toList();
        // Heartbeats every second: the link gives up on a monitor silent for three, which a loaded machine's pauses
        // stay well under.
        return MonitorLinkConfig.of(addresses, GATEWAY_ID, KEY).withTimings(1_000, 20, 200);
    }
}
