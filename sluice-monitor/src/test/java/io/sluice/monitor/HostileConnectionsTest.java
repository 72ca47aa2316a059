package io.sluice.monitor;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.mailbox.Mailbox;
import io.sluice.mailbox.MailboxCallee;
import io.sluice.mailbox.MailboxClient;
import io.sluice.mailbox.MailboxService;
import io.sluice.mailbox.MailboxStatus;
import io.sluice.mailbox.Reply;
import io.sluice.protocol.AuthOutcome;
import io.sluice.protocol.AuthWriter;
import io.sluice.protocol.FrameDescriptor;
import io.sluice.protocol.FrameType;
import io.sluice.protocol.HelloWriter;
import io.sluice.protocol.MailboxOpcodes;
import io.sluice.protocol.MonitorStatusDescriptor;
import io.sluice.testkit.Await;
import io.sluice.testkit.ShmNames;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Thousands of hostile connections on loopback against a monitor with a 64 MiB heap in its own process: headers that
 * declare a megabyte, HELLOs cut short, garbage, connections that never speak, wrong answers. Between every batch the
 * real gateway, authenticated before the attack, must still get its throttle set through and have a new report handed
 * to the services; at the end the monitor's process is alive, with every thread. Judged by what was delivered, never by
 * how fast.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class HostileConnectionsTest {
    private static final int HOSTILE = 2_000;
    private static final int BATCH = 200;
    /** Hostile sources 127.0.0.2 .. 127.0.0.(1 + SOURCES): enough to reach the cap in all, not only per source. */
    private static final int SOURCES = 25;

    @Test
    void aRealGatewayIsServedThroughoutAndTheMonitorSurvives() throws Exception {
        Path monitorBox = ShmNames.file("monitor");
        Path servicesBox = ShmNames.file("services");
        Process monitor = new ProcessBuilder(
                        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                        "-Xmx64m",
                        "-XX:+UseSerialGC",
                        "--enable-native-access=ALL-UNNAMED",
                        "-cp",
                        System.getProperty("java.class.path"),
                        MonitorProcessMain.class.getName(),
                        monitorBox.toString(),
                        servicesBox.toString(),
                        "2000")
                .redirectErrorStream(true)
                .start();
        List<SocketChannel> hostile = new ArrayList<>();
        AtomicReference<String> unhealthy = new AtomicReference<>();
        try {
            BufferedReader output =
                    new BufferedReader(new InputStreamReader(monitor.getInputStream(), StandardCharsets.UTF_8));
            String first = output.readLine();
            assertThat(first).as("the monitor process's first line").startsWith("listening ");
            InetSocketAddress address = new InetSocketAddress("127.0.0.1", Integer.parseInt(first.substring(10)));
            Thread.ofPlatform().daemon().start(() -> drain(output, unhealthy));

            AtomicLong reports = new AtomicLong();
            try (MailboxService services = new MailboxService(
                                    MailboxCallee.attach(Mailbox.open(servicesBox)),
                                    request -> {
                                        ServicesReports.forEach(request, stats -> reports.incrementAndGet());
                                        request.reply(MailboxStatus.OK, 0);
                                    },
                                    0,
                                    "test-services")
                            .start();
                    MailboxClient monitorClient = MailboxClient.attach(Mailbox.open(monitorBox), 0);
                    TestGateway gateway = new TestGateway(address, 1)) {
                assertThat(gateway.handshake(MonitorProcessMain.SECRET)).isEqualTo(AuthOutcome.ACCEPTED);
                AtomicReference<Throwable> gatewayFailed = new AtomicReference<>();
                Thread answering = Thread.ofPlatform().daemon().start(() -> {
                    try {
                        while (true) {
                            gateway.expect(FrameType.HEARTBEAT);
                        }
                    } catch (Throwable e) {
                        gatewayFailed.set(e);
                    }
                });

                long version = 1;
                for (int sent = 0; sent < HOSTILE; sent += BATCH) {
                    for (int i = sent; i < sent + BATCH; i++) {
                        hostile.add(attack(address, i));
                    }
                    // The real gateway is still served: its throttle set goes through, its next report arrives.
                    long before = reports.get();
                    Reply reply = monitorClient
                            .call(
                                    MailboxOpcodes.MONITOR_THROTTLE_SET,
                                    0,
                                    monitorClient.nextCorrelationId(),
                                    MonitorDaemonTest.throttleFrame(1, 1_000 + version, version++))
                            .get(30, TimeUnit.SECONDS);
                    assertThat(reply.status())
                            .as("throttle set after %d hostile connections; %s", sent + BATCH, unhealthy)
                            .isEqualTo(MailboxOpcodes.THROTTLE_ACKED);
                    Await.until(20_000, () -> reports.get() > before || gatewayFailed.get() != null);
                    assertThat(gatewayFailed.get())
                            .as("the real gateway's connection")
                            .isNull();
                    assertThat(unhealthy.get()).isNull();
                }

                long[] status = status(monitorClient);
                assertThat(status[MonitorStatusDescriptor.IN_SESSION_OFFSET / 8])
                        .isEqualTo(1);
                assertThat(status[MonitorStatusDescriptor.FRAMES_REFUSED_OFFSET / 8])
                        .as("oversize and garbage refused")
                        .isPositive();
                assertThat(status[MonitorStatusDescriptor.UNAUTHENTICATED_REFUSED_OFFSET / 8]
                                + status[MonitorStatusDescriptor.HANDSHAKE_TIMEOUTS_OFFSET / 8])
                        .as("capped or timed out")
                        .isPositive();
                // Once the silent ones have timed out, every place is free again.
                Await.until(
                        20_000, () -> status(monitorClient)[MonitorStatusDescriptor.UNAUTHENTICATED_OFFSET / 8] == 0);
                assertThat(monitor.isAlive()).isTrue();
                assertThat(unhealthy.get()).isNull();
                gateway.close();
                answering.join(5_000);
            }
        } finally {
            for (SocketChannel channel : hostile) {
                channel.close();
            }
            monitor.getOutputStream().close();
            if (!monitor.waitFor(10, TimeUnit.SECONDS)) {
                monitor.destroyForcibly();
            }
            Files.deleteIfExists(monitorBox);
            Files.deleteIfExists(servicesBox);
        }
        assertThat(monitor.exitValue())
                .as("the monitor process stopped cleanly; %s", unhealthy.get())
                .isZero();
    }

    /** Hostile connection number {@code n}: one of five kinds, from one of the hostile sources. */
    private static SocketChannel attack(InetSocketAddress monitor, int n) throws IOException {
        SocketChannel channel = SocketChannel.open();
        channel.bind(new InetSocketAddress("127.0.0." + (2 + n % SOURCES), 0));
        channel.connect(monitor);
        channel.configureBlocking(false);
        ByteBuffer bytes = switch (n % 5) {
            case 0 -> oversizeHello(n);
            case 1 -> oversizeHello(n).limit(10);
            case 2 -> ByteBuffer.wrap("GET / HTTP/1.1\r\nHost: monitor\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            case 3 -> ByteBuffer.allocate(0);
            default -> helloAndWrongAnswer(n);
        };
        // Never blocks: the bytes fit the socket's buffer; a connection the monitor already closed just fails.
        try {
            channel.write(bytes);
        } catch (IOException closedByTheMonitor) {
            // refused at once: what the caps are for
        }
        return channel;
    }

    /** A HELLO header declaring a megabyte, and a kilobyte of it: enough to make a decoder grow, if it would. */
    private static ByteBuffer oversizeHello(long gatewayId) {
        ByteBuffer frame = ByteBuffer.allocate(FrameDescriptor.HEADER_LENGTH + 1_000);
        frame.putInt(FrameDescriptor.LENGTH_OFFSET, FrameDescriptor.DEFAULT_MAX_FRAME_LENGTH)
                .put(FrameDescriptor.VERSION_OFFSET, (byte) FrameDescriptor.PROTOCOL_VERSION)
                .put(FrameDescriptor.TYPE_OFFSET, (byte) FrameType.HELLO.code())
                .putLong(FrameDescriptor.SEQUENCE_OFFSET, 1)
                .putLong(FrameDescriptor.GATEWAY_ID_OFFSET, 1_000 + gatewayId);
        return frame;
    }

    private static ByteBuffer helloAndWrongAnswer(long n) {
        ByteBuffer out = ByteBuffer.allocate(1024);
        new HelloWriter().write(out, 1, 1, 0, 1, "intruder-" + n);
        new AuthWriter().write(out, 2, 1, new byte[32], new byte[0]);
        return out.flip();
    }

    private static long[] status(MailboxClient client) {
        try {
            Reply reply =
                    client.call(MailboxOpcodes.MONITOR_STATUS, new byte[0]).get(30, TimeUnit.SECONDS);
            ByteBuffer b = ByteBuffer.wrap(reply.result());
            long[] values = new long[MonitorStatusDescriptor.LENGTH / 8];
            for (int i = 0; i < values.length; i++) {
                values[i] = b.getLong(8 * i);
            }
            return values;
        } catch (Exception e) {
            throw new AssertionError("monitor status", e);
        }
    }

    private static void drain(BufferedReader output, AtomicReference<String> unhealthy) {
        try {
            String line;
            while ((line = output.readLine()) != null) {
                if (line.startsWith("unhealthy") || line.contains("OutOfMemoryError")) {
                    unhealthy.compareAndSet(null, line);
                }
            }
        } catch (IOException ignored) {
            // the process ended
        }
    }
}
