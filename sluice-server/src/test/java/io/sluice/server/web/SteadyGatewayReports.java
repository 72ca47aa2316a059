package io.sluice.server.web;

import io.sluice.mailbox.Mailbox;
import io.sluice.mailbox.MailboxClient;
import io.sluice.mailbox.ServerMailboxes;
import io.sluice.protocol.IoDirection;
import io.sluice.protocol.MailboxOpcodes;
import io.sluice.protocol.StatsDescriptor;
import io.sluice.protocol.StatsWriter;
import io.sluice.web.harness.Backend;
import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;

/**
 * One gateway's STATS reports, as the monitor hands them to the SLA services: once per poll interval, one volume
 * reading at a steady rate. It stands in for the monitor's inbound threads so the live views show known numbers
 * ({@value #READ_IOPS} IOPS) rather than a simulator's random ones.
 */
final class SteadyGatewayReports implements AutoCloseable {
    static final long READ_IOPS = 3_200;
    /** A caller index of the tools (the real monitor holds the monitor's). */
    private static final int CALLER = ServerMailboxes.CALLER_TOOLS;

    private final Mailbox mailbox;
    private final MailboxClient client;
    private final Thread thread;
    private volatile boolean running = true;

    SteadyGatewayReports(Backend backend, long gatewayId, int volumeId, long intervalMillis) {
        mailbox = Mailbox.open(
                ServerMailboxes.file(backend.mailboxDir(), backend.serverName(), ServerMailboxes.SERVICES_SUFFIX));
        client = MailboxClient.attach(mailbox, CALLER);
        thread = Thread.ofPlatform()
                .name("steady-gateway-" + gatewayId)
                .start(() -> report(gatewayId, volumeId, intervalMillis));
    }

    private void report(long gatewayId, int volumeId, long intervalMillis) {
        StatsWriter writer = new StatsWriter();
        long ops = READ_IOPS * intervalMillis / 1_000;
        for (long sequence = 1; running; sequence++) {
            ByteBuffer frame = ByteBuffer.allocate(StatsDescriptor.frameLength(1));
            long intervalStart = System.currentTimeMillis() - intervalMillis;
            writer.begin(frame, sequence, gatewayId, false, sequence, sequence, intervalStart, (int) intervalMillis, 1);
            writer.volume(0)
                    .volumeId(volumeId)
                    .queueDepth(4)
                    .capacityBytes(1L << 40)
                    .usedBytes(1L << 39)
                    .ops(IoDirection.READ, ops)
                    .bytes(IoDirection.READ, ops * 4_096)
                    .latencySumMicros(IoDirection.READ, ops * 300)
                    .latencyBucket(IoDirection.READ, 8, ops);
            writer.commit();
            try {
                client.call(MailboxOpcodes.SERVICES_STATS_REPORT, frame.array()).get(10, TimeUnit.SECONDS);
                Thread.sleep(intervalMillis);
            } catch (InterruptedException e) {
                return;
            } catch (Exception e) {
                // A report the services did not take is lost, as when a gateway misses a poll; the next one follows.
            }
        }
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        thread.interrupt();
        thread.join();
        client.close();
        mailbox.close();
    }
}
