package io.sluice.bench.scale;

import com.fasterxml.jackson.databind.JsonNode;
import io.sluice.bench.JsonCaller;
import io.sluice.mailbox.Reply;
import io.sluice.protocol.MailboxOpcodes;
import io.sluice.protocol.MonitorStatusDescriptor;
import io.sluice.sim.SimCounter;
import io.sluice.sim.SimSnapshot;
import io.sluice.sim.Simulator;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/** The counters and CPU times at one instant of a scale run, and how they are asked for. */
record ScaleSnapshot(
        long epochMillis,
        long nanos,
        long storedSamples,
        long droppedSamples,
        long droppedCalls,
        long[] monitor,
        Map<String, Long> pids,
        Map<String, Long> ticks,
        long benchTicks,
        long pollsAnswered,
        long reconnects,
        long connectionsLost,
        int restarts,
        String loadAvg) {
    static ScaleSnapshot take(
            ServerUnderTest server,
            JsonCaller db,
            JsonCaller services,
            JsonCaller monitor,
            Simulator many,
            Simulator big)
            throws Exception {
        // Ask first, then read the clocks and CPU: the calls' own time does not fall into the stretch.
        JsonNode dbStatus = db.ok(JsonCaller.request("status"), 30);
        JsonNode forwarding = services.ok(JsonCaller.request("status"), 30).path("dbForwarding");
        long[] monitorStatus = monitorStatus(monitor);
        Map<String, Long> pids = server.pids();
        Map<String, Long> ticks = new LinkedHashMap<>();
        pids.forEach((role, pid) -> ticks.put(role, ServerUnderTest.cpuTicks(pid)));
        long bench = ServerUnderTest.cpuTicks(ProcessHandle.current().pid());
        SimSnapshot a = many.snapshot();
        SimSnapshot b = big.snapshot();
        return new ScaleSnapshot(
                System.currentTimeMillis(),
                System.nanoTime(),
                dbStatus.path("storedSamples").asLong(),
                forwarding.path("droppedSamples").asLong(),
                forwarding.path("droppedCalls").asLong(),
                monitorStatus,
                pids,
                ticks,
                bench,
                a.total().pollsAnswered() + b.total().pollsAnswered(),
                a.total().reconnects() + b.total().reconnects(),
                a.total().get(SimCounter.CONNECTIONS_LOST) + b.total().get(SimCounter.CONNECTIONS_LOST),
                server.restarts(),
                readLoadAvg());
    }

    /** The monitor's counters (MonitorStatusDescriptor), asked through its mailbox. */
    static long[] monitorStatus(JsonCaller monitor) throws Exception {
        Reply reply = monitor.raw(MailboxOpcodes.MONITOR_STATUS, new byte[0], 10);
        ByteBuffer b = ByteBuffer.wrap(reply.result());
        long[] values = new long[MonitorStatusDescriptor.LENGTH / 8];
        for (int i = 0; i < values.length && (i + 1) * 8 <= b.limit(); i++) {
            values[i] = b.getLong(i * 8);
        }
        return values;
    }

    static long at(long[] monitor, int offset) {
        return monitor[offset / 8];
    }

    /** /proc/loadavg's three averages. */
    static String readLoadAvg() {
        try {
            String[] fields = Files.readString(Path.of("/proc/loadavg")).trim().split(" ");
            return fields[0] + " " + fields[1] + " " + fields[2];
        } catch (IOException e) {
            return "? ? ?";
        }
    }
}
