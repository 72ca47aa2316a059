package io.sluice.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.common.EpochClock;
import io.sluice.common.ManualEpochClock;
import io.sluice.gateway.link.LinkIdentity;
import io.sluice.gateway.link.LinkState;
import io.sluice.gateway.link.MonitorLink;
import io.sluice.gateway.link.MonitorLinkConfig;
import io.sluice.pki.CertificateAuthority;
import io.sluice.pki.KeyMaterial;
import io.sluice.pki.TlsContexts;
import io.sluice.protocol.GatewayCertificateName;
import io.sluice.protocol.GatewayKeys;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The link's back-off, turned by hand on a {@link ManualEpochClock}: after a failed attempt (a monitor that accepts and
 * never answers the TLS handshake, one that refuses the connection, one that hangs up) the next comes no sooner than
 * half the back-off and no later than all of it, the back-off doubling from its minimum to its maximum, so a fleet
 * turned away together does not come back together.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class MonitorLinkBackoffTest {
    private static final byte[] SECRET = "monitor-link-test-secret-0123456789".getBytes(StandardCharsets.UTF_8);
    private static final long GATEWAY_ID = 42;
    private static final byte[] KEY = GatewayKeys.derive(SECRET, GATEWAY_ID);
    private static final int CONNECT_TIMEOUT_MILLIS = 200;
    private static final long BACKOFF_MIN_MILLIS = 100;
    private static final long BACKOFF_MAX_MILLIS = 800;

    @TempDir
    Path dir;

    private final ManualEpochClock clock = new ManualEpochClock(1_000_000);

    @Test
    void aHandshakeThatTimesOutIsRetriedAfterABackoffThatDoubles() throws Exception {
        CertificateAuthority ca =
                CertificateAuthority.create(dir.resolve("pki"), "Sluice test CA", EpochClock.system());
        KeyMaterial own = ca.issueKeyMaterial(
                GatewayCertificateName.of(GATEWAY_ID),
                List.of(),
                CertificateAuthority.Usage.CLIENT,
                Duration.ofDays(1));
        Tools.emptyFile(dir, "a.img", 1 << 20);
        List<SocketChannel> held = new CopyOnWriteArrayList<>();
        try (ServerSocketChannel mute = ServerSocketChannel.open()) {
            mute.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            Thread acceptor = Thread.ofPlatform().daemon().start(() -> {
                try {
                    while (true) {
                        held.add(mute.accept());
                    }
                } catch (IOException closed) {
                    // the test is over
                }
            });
            MonitorLinkConfig config = config((InetSocketAddress) mute.getLocalAddress())
                    .withTls(LinkIdentity.issued(TlsContexts.create(own, List.of(ca.certificate()))));
            try (Gateway gateway = gateway();
                    MonitorLink link = new MonitorLink(config, gateway, clock)) {
                assertBacksOffDoubling(link, 6);
                assertThat(held).as("every attempt reached the monitor").hasSize(6);
                assertThat(link.status().lastError()).containsIgnoringCase("timed out");
            }
            mute.close();
            acceptor.join(5_000);
        } finally {
            for (SocketChannel connection : held) {
                connection.close();
            }
        }
    }

    @Test
    void aRefusedConnectionIsRetriedAfterABackoffThatDoubles() throws Exception {
        InetSocketAddress nowhere;
        try (ServerSocket closed = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            nowhere = (InetSocketAddress) closed.getLocalSocketAddress();
        }
        try (Gateway gateway = gateway();
                MonitorLink link = new MonitorLink(config(nowhere), gateway, clock)) {
            assertBacksOffDoubling(link, 5);
            assertThat(link.status().lastError()).contains("Connection refused");
        }
    }

    @Test
    void aConnectionTheMonitorClosesIsRetriedAfterTheBackoff() throws Exception {
        try (ServerSocket hangsUp = new ServerSocket(0, 10, InetAddress.getLoopbackAddress())) {
            Thread peer = Thread.ofPlatform().daemon().start(() -> {
                try {
                    while (true) {
                        try (Socket s = hangsUp.accept()) {
                            s.getInputStream().read(new byte[1024]);
                        }
                    }
                } catch (IOException closed) {
                    // the test is over
                }
            });
            try (Gateway gateway = gateway();
                    MonitorLink link = new MonitorLink(
                            config((InetSocketAddress) hangsUp.getLocalSocketAddress()), gateway, clock)) {
                assertBacksOffDoubling(link, 3);
                assertThat(link.status().sessions()).isZero();
            }
            hangsUp.close();
            peer.join(5_000);
        }
    }

    /**
     * Turns the link through {@code attempts} failed attempts: each ends BACKING_OFF with a failure counted, and the
     * next dials only once the clock reaches the back-off's window, min * 2^i capped, drawn in [d - d / 2, d].
     */
    private void assertBacksOffDoubling(MonitorLink link, int attempts) {
        long backoff = BACKOFF_MIN_MILLIS;
        for (int attempt = 1; attempt <= attempts; attempt++) {
            int expected = attempt;
            MonitorLinkTurnTest.turnUntil(link, clock, () -> link.status().connectFailures() == expected);
            assertThat(link.state()).isEqualTo(LinkState.BACKING_OFF);
            long failedAt = clock.epochMillis();
            long earliest = backoff - Math.max(1, backoff / 2);
            clock.set(failedAt + earliest - 1);
            assertThat(link.doWork(clock.epochMillis()))
                    .as("attempt %d: no dial before half the back-off of %d ms", attempt, backoff)
                    .isZero();
            assertThat(link.status().connectFailures()).isEqualTo(attempt);
            assertThat(link.state()).isEqualTo(LinkState.BACKING_OFF);
            clock.set(failedAt + backoff);
            backoff = Math.min(backoff * 2, BACKOFF_MAX_MILLIS);
        }
    }

    private Gateway gateway() throws IOException {
        Tools.emptyFile(dir, "b.img", 1 << 20);
        return Gateway.start(GatewayContext.parse("127.0.0.1:0", "b=" + dir.resolve("b.img")));
    }

    private static MonitorLinkConfig config(InetSocketAddress monitor) {
        return new MonitorLinkConfig(
                List.of(monitor),
                GATEWAY_ID,
                KEY,
                null,
                "backoff-test",
                1_000,
                BACKOFF_MIN_MILLIS,
                BACKOFF_MAX_MILLIS,
                CONNECT_TIMEOUT_MILLIS,
                90,
                0,
                null);
    }
}
