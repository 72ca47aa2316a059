package io.sluice.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.common.EpochClock;
import io.sluice.gateway.link.LinkIdentity;
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
 * A monitor that accepts and never answers the TLS handshake (one overloaded, or with the gateway still queued behind
 * others): the gateway gives up each attempt at its connect timeout and tries again after a backoff that doubles, so a
 * fleet turned away together does not come back together.
 */
class MonitorLinkBackoffTest {
    private static final byte[] SECRET = "monitor-link-test-secret-0123456789".getBytes(StandardCharsets.UTF_8);
    private static final long GATEWAY_ID = 42;
    private static final int CONNECT_TIMEOUT_MILLIS = 200;
    private static final long BACKOFF_MIN_MILLIS = 100;
    private static final long BACKOFF_MAX_MILLIS = 800;
    /** How late the acceptor thread may note the first attempt, which would shorten the measured span. */
    private static final long RECORDING_SLACK_MILLIS = 100;

    @TempDir
    Path dir;

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void aHandshakeThatTimesOutIsRetriedAfterABackoffThatDoubles() throws Exception {
        CertificateAuthority ca =
                CertificateAuthority.create(dir.resolve("pki"), "Sluice test CA", EpochClock.system());
        KeyMaterial own = ca.issueKeyMaterial(
                GatewayCertificateName.of(GATEWAY_ID),
                List.of(),
                CertificateAuthority.Usage.CLIENT,
                Duration.ofDays(1));
        Tools.emptyFile(dir, "a.img", 1 << 20);
        List<Long> acceptedAt = new CopyOnWriteArrayList<>();
        List<SocketChannel> held = new CopyOnWriteArrayList<>();
        try (ServerSocketChannel mute = ServerSocketChannel.open()) {
            mute.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            Thread acceptor = Thread.ofPlatform().daemon().start(() -> {
                try {
                    while (true) {
                        SocketChannel connection = mute.accept();
                        acceptedAt.add(System.nanoTime());
                        held.add(connection);
                    }
                } catch (IOException closed) {
                    // the test is over
                }
            });
            MonitorLinkConfig config = new MonitorLinkConfig(
                    List.of((InetSocketAddress) mute.getLocalAddress()),
                    GATEWAY_ID,
                    GatewayKeys.derive(SECRET, GATEWAY_ID),
                    null,
                    "backoff-test",
                    1_000,
                    BACKOFF_MIN_MILLIS,
                    BACKOFF_MAX_MILLIS,
                    CONNECT_TIMEOUT_MILLIS,
                    90,
                    0,
                    LinkIdentity.issued(TlsContexts.create(own, List.of(ca.certificate()))));
            try (Gateway gateway = Gateway.start(GatewayContext.parse("127.0.0.1:0", "a=" + dir.resolve("a.img")));
                    MonitorLink link = MonitorLink.start(config, gateway)) {
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(45);
                while (acceptedAt.size() < 6) {
                    assertThat(System.nanoTime())
                            .as("attempts so far: " + acceptedAt.size())
                            .isLessThan(deadline);
                    Thread.sleep(10);
                }
                assertThat(link.status().connectFailures()).isGreaterThanOrEqualTo(5);
            }
            mute.close();
            acceptor.join(5_000);
        } finally {
            for (SocketChannel connection : held) {
                connection.close();
            }
        }
        // Attempt i+1 starts no sooner than the handshake timeout plus half of backoff i (jitter draws it in [d/2, d]),
        // d doubling from the minimum to the maximum: 100, 200, 400, 800, 800 ms. Summed over the five gaps, so that
        // when the acceptor thread notes an attempt late (a busy machine) the next gap's shortfall is the previous
        // gap's excess: at least 5 x 200 + 50 + 100 + 200 + 400 + 400 = 2,150 ms, where a backoff that never doubled
        // would give at most 5 x (200 + 100) = 1,500 ms plus the machine's delays.
        long lowerBound = 0;
        long backoff = BACKOFF_MIN_MILLIS;
        for (int i = 0; i < 5; i++) {
            lowerBound += CONNECT_TIMEOUT_MILLIS + backoff / 2;
            backoff = Math.min(backoff * 2, BACKOFF_MAX_MILLIS);
        }
        long spanMillis = TimeUnit.NANOSECONDS.toMillis(acceptedAt.get(5) - acceptedAt.get(0));
        assertThat(spanMillis)
                .as("five attempts after the first (noted late by the acceptor by at most a scheduling delay)")
                .isGreaterThanOrEqualTo(lowerBound - RECORDING_SLACK_MILLIS);
    }
}
