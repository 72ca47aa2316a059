package io.sluice.monitor;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.protocol.AuthOutcome;
import io.sluice.protocol.FrameDescriptor;
import io.sluice.protocol.FrameType;
import io.sluice.testkit.Await;
import io.sluice.testkit.ShmNames;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** What a peer that has not authenticated may cost the monitor: capped connections, a short deadline, small frames. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class PreAuthLimitsTest {
    private static final byte[] SECRET = "test-deployment-secret-0123456789".getBytes(StandardCharsets.UTF_8);
    private static final long HANDSHAKE_TIMEOUT_MILLIS = 1_000;

    private Path monitorBox;
    private Path servicesBox;
    private MonitorDaemon daemon;
    private final List<SocketChannel> opened = new ArrayList<>();

    @BeforeEach
    void start() {
        monitorBox = ShmNames.file("monitor");
        servicesBox = ShmNames.file("services");
        daemon = new MonitorDaemon(
                MonitorContext.defaults(new InetSocketAddress("127.0.0.1", 0), monitorBox, servicesBox, SECRET)
                        .withApproved(Set.of(1L))
                        .withPolling(100, 3)
                        .withPairs(1, 10)
                        .withHandshake(HANDSHAKE_TIMEOUT_MILLIS, new MonitorContext.UnauthenticatedLimits(5, 3)));
    }

    @AfterEach
    void stop() throws Exception {
        for (SocketChannel channel : opened) {
            channel.close();
        }
        daemon.close();
        Files.deleteIfExists(monitorBox);
        Files.deleteIfExists(servicesBox);
    }

    @Test
    void unauthenticatedConnectionsAreCappedPerAddressAndInAllAndClosedAfterTheDeadline() throws Exception {
        try (TestGateway gateway = new TestGateway(daemon.address(), 1)) {
            assertThat(gateway.handshake(SECRET)).isEqualTo(AuthOutcome.ACCEPTED);
            assertThat(daemon.unauthenticatedConnections())
                    .as("an authenticated gateway holds no place")
                    .isZero();
            List<SocketChannel> fromTwo = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                fromTwo.add(connectFrom("127.0.0.2"));
            }
            Await.until(20_000, () -> daemon.unauthenticatedConnections() == 3);
            SocketChannel fourthFromTwo = connectFrom("127.0.0.2");
            assertThat(endOfStream(fourthFromTwo))
                    .as("a fourth from one address is closed at once")
                    .isTrue();
            assertThat(daemon.counters().unauthenticatedRefused()).isEqualTo(1);
            connectFrom("127.0.0.3");
            connectFrom("127.0.0.3");
            Await.until(20_000, () -> daemon.unauthenticatedConnections() == 5);
            assertThat(endOfStream(connectFrom("127.0.0.4")))
                    .as("a sixth in all is closed at once")
                    .isTrue();
            assertThat(daemon.counters().unauthenticatedRefused()).isEqualTo(2);

            // None of them says a word: each is closed after the handshake timeout, and its place is free again.
            for (SocketChannel silent : fromTwo) {
                assertThat(endOfStream(silent)).isTrue();
            }
            Await.until(20_000, () -> daemon.unauthenticatedConnections() == 0);
            assertThat(daemon.counters().handshakeTimeouts()).isEqualTo(5);
            Await.until(20_000, () -> daemon.closedFor("handshake not finished in time"));
            try (TestGateway again = new TestGateway(daemon.address(), 1)) {
                assertThat(again.handshake(SECRET)).isEqualTo(AuthOutcome.ACCEPTED);
            }
            // The gateway that authenticated before is not held to the deadline (its new connection replaced it).
            assertThat(daemon.counters().handshakeTimeouts()).isEqualTo(5);
        }
    }

    @Test
    void aHelloDeclaringAMegabyteIsRefusedFromItsHeader() throws Exception {
        SocketChannel channel = connectFrom("127.0.0.2");
        ByteBuffer header = ByteBuffer.allocate(FrameDescriptor.HEADER_LENGTH);
        header.putInt(FrameDescriptor.LENGTH_OFFSET, FrameDescriptor.DEFAULT_MAX_FRAME_LENGTH)
                .put(FrameDescriptor.VERSION_OFFSET, (byte) FrameDescriptor.PROTOCOL_VERSION)
                .put(FrameDescriptor.TYPE_OFFSET, (byte) FrameType.HELLO.code())
                .putLong(FrameDescriptor.SEQUENCE_OFFSET, 1)
                .putLong(FrameDescriptor.GATEWAY_ID_OFFSET, 1);
        channel.write(header);
        assertThat(endOfStream(channel)).isTrue();
        Await.until(20_000, () -> daemon.closedFor("bad frame: OVERSIZE (1048576)"));
        assertThat(daemon.counters().handshakeTimeouts()).isZero();
    }

    @Test
    void aReportBeforeAuthenticationIsRefusedFromItsHeader() throws Exception {
        try (TestGateway gw = new TestGateway(daemon.address(), 1)) {
            gw.answerPoll(1);
            assertThat(gw.closedByMonitor()).isTrue();
        }
        Await.until(20_000, () -> daemon.closedFor("bad frame: BEFORE_AUTHENTICATION"));
    }

    private SocketChannel connectFrom(String address) throws IOException {
        SocketChannel channel = SocketChannel.open();
        opened.add(channel);
        channel.bind(new InetSocketAddress(address, 0));
        channel.connect(daemon.address());
        return channel;
    }

    /** Reads until the monitor closes the connection; false if it is still open after 20 s. */
    private static boolean endOfStream(SocketChannel channel) throws IOException {
        channel.socket().setSoTimeout(20_000);
        try {
            return channel.socket().getInputStream().read(new byte[64]) < 0;
        } catch (SocketTimeoutException e) {
            return false;
        } catch (IOException reset) {
            return true;
        }
    }
}
