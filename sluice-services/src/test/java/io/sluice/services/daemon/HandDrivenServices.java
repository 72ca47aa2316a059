package io.sluice.services.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sluice.common.ManualEpochClock;
import io.sluice.mailbox.Mailbox;
import io.sluice.mailbox.MailboxCallee;
import io.sluice.mailbox.MailboxCaller;
import io.sluice.mailbox.ServerMailboxes;
import io.sluice.protocol.CallStatus;
import io.sluice.protocol.MailboxOpcodes;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * Services never started, for a test to turn by hand on a manual clock, on the real mailboxes of a server of their own
 * in /dev/shm: the monitor's and the web's callers attached, and, for services that forward to a database manager, the
 * {@code db} mailbox for the test to play that manager on. Closing closes all of it and removes the files.
 */
final class HandDrivenServices implements AutoCloseable {
    private static final Path DIR = Path.of("/dev/shm");
    private static final ObjectMapper JSON = new ObjectMapper();

    final ServicesDaemon daemon;
    /** The monitor's caller on the services' mailbox: reports and gateway states. */
    final MailboxCaller monitor;
    /** The web's caller on the services' query mailbox. */
    final MailboxCaller web;

    private final String name;
    private final ManualEpochClock clock;
    private final Mailbox dbBox;
    private final Mailbox servicesBox;
    private final Mailbox queriesBox;

    /**
     * @param name the server's name, unique to the test (the process id is appended)
     * @param forwarding whether the services forward to a database manager the test plays ({@link #database()})
     */
    HandDrivenServices(
            String name, ManualEpochClock clock, ServicesConfig config, int intervalMillis, boolean forwarding)
            throws IOException {
        this.name = name + "-" + ProcessHandle.current().pid();
        this.clock = clock;
        this.dbBox = forwarding ? Mailbox.create(file(ServerMailboxes.DB_SUFFIX), ServerMailboxes.DB, clock) : null;
        this.daemon = new ServicesDaemon(
                file(ServerMailboxes.SERVICES_SUFFIX),
                file(ServerMailboxes.SERVICES_QUERIES_SUFFIX),
                file(ServerMailboxes.MONITOR_SUFFIX),
                forwarding ? file(ServerMailboxes.DB_SUFFIX) : null,
                config,
                intervalMillis,
                clock);
        this.servicesBox = Mailbox.open(file(ServerMailboxes.SERVICES_SUFFIX), clock);
        this.monitor = MailboxCaller.attach(servicesBox, ServerMailboxes.CALLER_MONITOR);
        this.queriesBox = Mailbox.open(file(ServerMailboxes.SERVICES_QUERIES_SUFFIX), clock);
        this.web = MailboxCaller.attach(queriesBox, ServerMailboxes.CALLER_WEB);
    }

    /** The database manager's side of the {@code db} mailbox, for the test to answer the services' calls. */
    MailboxCallee database() {
        return MailboxCallee.attach(dbBox);
    }

    /** The monitor's mailbox, which the services call with throttle sets; opened by the caller, who closes it. */
    Mailbox openMonitorMailbox() throws IOException {
        return Mailbox.open(file(ServerMailboxes.MONITOR_SUFFIX), clock);
    }

    /** A query answered in the turn that takes it, as the application server calls it: its status and result bytes. */
    Object[] call(String request) {
        assertThat(web.call(MailboxOpcodes.SERVICES_JSON, 0, 1, request.getBytes(StandardCharsets.UTF_8)))
                .isPositive();
        daemon.doWork();
        Object[] answer = new Object[2];
        assertThat(web.pollReplies(
                        reply -> {
                            answer[0] = reply.status();
                            answer[1] = reply.resultBytes();
                        },
                        1))
                .as("answered in one turn: %s", request)
                .isEqualTo(1);
        return answer;
    }

    /** A query that must be answered OK, as JSON. */
    JsonNode query(String request) {
        Object[] answer = call(request);
        JsonNode result;
        try {
            result = JSON.readTree((byte[]) answer[1]);
        } catch (IOException e) {
            throw new AssertionError(request, e);
        }
        assertThat(answer[0]).as("%s -> %s", request, result).isEqualTo(CallStatus.OK);
        return result;
    }

    private Path file(String suffix) {
        return ServerMailboxes.file(DIR, name, suffix);
    }

    @Override
    public void close() throws Exception {
        try (Mailbox db = dbBox;
                ServicesDaemon services = daemon;
                Mailbox s = servicesBox;
                MailboxCaller m = monitor;
                Mailbox q = queriesBox;
                MailboxCaller w = web) {
            // closed in the reverse order of opening
        } finally {
            ServicesMailboxFiles.remove(DIR, name);
        }
    }
}
