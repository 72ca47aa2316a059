package io.sluice.server.supervisor;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.sluice.common.EpochClock;
import io.sluice.common.PrivateFiles;
import io.sluice.common.ProcessIdentity;
import io.sluice.mailbox.EntryInfo;
import io.sluice.mailbox.Mailbox;
import io.sluice.mailbox.MailboxFormatException;
import io.sluice.mailbox.MailboxGeometry;
import io.sluice.mailbox.MailboxSnapshot;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Starts the SLA server's roles as separate JVMs in order, keeps them running and stops them in reverse order (each
 * process in its own address space, restartable alone, joined by stateful mailboxes: docs/design.md, "The four roles").
 * {@link #doWork} is one single-threaded supervision step against the injected clock: restart roles that exited (with
 * back-off), kill roles whose mailbox heartbeat stopped while their process still runs, and write {@code status.json}
 * for {@code sluice status}.
 */
public final class Supervisor implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long STATUS_INTERVAL_MILLIS = 1_000;
    /**
     * How long a role may take from its start to attaching to its mailbox: JVM start, class loading, database
     * migrations. Longer than the heartbeat timeout, since a host starting many JVMs at once (boot, the demo) makes
     * every start slow.
     */
    private static final long STARTUP_GRACE_MILLIS = 30_000;

    private final Path runDirectory;
    private final List<RoleProcess> roles = new ArrayList<>();
    private final Map<Path, Mailbox> inboxes = new LinkedHashMap<>();
    private final EpochClock clock;
    private final long heartbeatTimeoutMillis;
    private final Consumer<String> log;
    private long nextStatusAt;
    private volatile Supplier<Map<String, Object>> haStatus;
    private boolean closed;

    /**
     * @param mailboxes every mailbox the roles use, created (or checked) before any role starts; an unusable file is
     *     moved aside and recreated
     */
    public Supervisor(
            Path runDirectory,
            Map<Path, MailboxGeometry> mailboxes,
            List<RoleSpec> specs,
            String classpath,
            long heartbeatTimeoutMillis,
            EpochClock clock,
            Consumer<String> log)
            throws IOException {
        this.runDirectory = runDirectory;
        this.clock = clock;
        this.heartbeatTimeoutMillis = heartbeatTimeoutMillis;
        this.log = log;
        PrivateFiles.ensureDirectory(runDirectory);
        for (Map.Entry<Path, MailboxGeometry> box : mailboxes.entrySet()) {
            inboxes.put(box.getKey(), prepare(box.getKey(), box.getValue()));
        }
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        for (RoleSpec spec : specs) {
            roles.add(new RoleProcess(spec, runDirectory.resolve("logs"), java, classpath));
        }
    }

    private Mailbox prepare(Path file, MailboxGeometry geometry) throws IOException {
        try {
            return Mailbox.openOrCreate(file, geometry, clock);
        } catch (MailboxFormatException e) {
            if (e.reason() == MailboxFormatException.Reason.NOT_PRIVATE) {
                // Someone else's file, or one others could have changed: neither trusted nor ours to move.
                throw new IOException("refusing to start: " + e.getMessage(), e);
            }
            Path aside = Mailbox.quarantine(file, clock);
            log.accept("mailbox " + file + " is unusable (" + e.getMessage() + "); moved to " + aside
                    + ", creating a new one");
            return Mailbox.create(file, geometry, clock);
        }
    }

    /**
     * Starts every role in order, each once the one before is ready (attached to its mailbox, or listening on its
     * port), so callees are up before their callers; a role not ready within the start-up grace does not hold the
     * others back.
     */
    public void start() throws IOException, InterruptedException {
        start(name -> {});
    }

    /** As {@link #start()}, calling {@code onReady} with each role's name once it is ready, before the next starts. */
    public void start(Consumer<String> onReady) throws IOException, InterruptedException {
        for (RoleProcess role : roles) {
            if (role.heldFor() != null) {
                log.accept("holding " + role.spec.name() + ": " + role.heldFor());
                continue;
            }
            role.start(clock.epochMillis());
            log.accept("started " + role.spec.name() + " (pid " + role.pid() + ")");
            long deadline = System.nanoTime() + STARTUP_GRACE_MILLIS * 1_000_000;
            while (role.isAlive() && !isReady(role) && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            if (isReady(role)) {
                onReady.accept(role.spec.name());
            }
        }
    }

    private boolean isReady(RoleProcess role) {
        Mailbox inbox = role.spec.inbox() == null ? null : inboxes.get(role.spec.inbox());
        if (inbox != null) {
            for (int i = 0; i < inbox.geometry().maxCallees(); i++) {
                if (inbox.calleeEntry(i).pid() == role.pid()) {
                    return true;
                }
            }
            return false;
        }
        if (role.spec.readyPort() > 0) {
            try (Socket probe = new Socket()) {
                probe.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), role.spec.readyPort()), 200);
                return true;
            } catch (IOException e) {
                return false;
            }
        }
        return true;
    }

    private RoleProcess role(String name) {
        for (RoleProcess role : roles) {
            if (role.spec.name().equals(name)) {
                return role;
            }
        }
        throw new IllegalArgumentException("no role " + name + " under this supervisor");
    }

    /** Whether a role of that name is supervised here. */
    public boolean runs(String name) {
        return roles.stream().anyMatch(r -> r.spec.name().equals(name));
    }

    /**
     * Before {@link #start}: the role's command line and whether it is held stopped ({@code heldFor} non-null says
     * why), as a server in a pair starts as a standby.
     */
    public void prepare(String name, List<String> command, String heldFor) throws InterruptedException {
        RoleProcess role = role(name);
        role.spec = new RoleSpec(name, command, role.spec.inbox(), role.spec.jvmOptions(), role.spec.readyPort());
        if (heldFor != null) {
            role.hold(heldFor);
        }
    }

    /** Kills the role at once and keeps it stopped until {@link #release}; {@code why} shows in its status. */
    public void hold(String name, String why) throws InterruptedException {
        RoleProcess role = role(name);
        if (role.heldFor() == null) {
            role.hold(why);
            log.accept("holding " + name + " stopped: " + why);
        }
    }

    /** Starts a held role at once (not waiting for it to be ready); nothing if it is not held. */
    public void release(String name) throws IOException {
        RoleProcess role = role(name);
        if (role.heldFor() != null) {
            role.release(clock.epochMillis());
            log.accept("started " + name + " (pid " + role.pid() + ")");
        }
    }

    /**
     * Kills the role at once and starts it again with {@code command} (unless held), not waiting for it to be ready: a
     * change of the role's part, such as a monitor going from standby to active.
     */
    public void replace(String name, List<String> command, String why) throws IOException, InterruptedException {
        RoleProcess role = role(name);
        role.replace(
                new RoleSpec(name, command, role.spec.inbox(), role.spec.jvmOptions(), role.spec.readyPort()),
                clock.epochMillis());
        log.accept((role.heldFor() == null ? "restarted " + name + " (pid " + role.pid() + ")" : "changed held " + name)
                + ": " + why);
    }

    /** The role's command line for its next start, without restarting it (a live change the role made itself). */
    public void setCommand(String name, List<String> command) {
        RoleProcess role = role(name);
        role.spec = new RoleSpec(name, command, role.spec.inbox(), role.spec.jvmOptions(), role.spec.readyPort());
    }

    /** Whether the role's process runs now. */
    public boolean alive(String name) {
        return role(name).isAlive();
    }

    /** The role's own mailbox as this supervisor holds it, or null for a role without one (web). */
    public Mailbox inbox(String name) {
        Path inbox = role(name).spec.inbox();
        return inbox == null ? null : inboxes.get(inbox);
    }

    /** What status.json shows under {@code ha} (the lease's state), read at every write; null: nothing. */
    public void haStatus(Supplier<Map<String, Object>> supplier) {
        this.haStatus = supplier;
    }

    /** One supervision step. */
    public void doWork() throws IOException {
        long now = clock.epochMillis();
        for (RoleProcess role : roles) {
            if (role.noteExit(now)) {
                log.accept(role.spec.name() + " (pid " + role.pid() + ") stopped: " + role.lastExit() + "; restarting");
            }
            if (role.restartDue(now)) {
                role.restart(now);
                log.accept("restarted " + role.spec.name() + " (pid " + role.pid() + "), restart " + role.restarts());
            } else if (role.isAlive() && isHung(role, now)) {
                log.accept(
                        role.spec.name() + " (pid " + role.pid() + ") is alive but its heartbeat stopped; killing it");
                role.kill("hung: heartbeat older than " + heartbeatTimeoutMillis + " ms");
            }
        }
        if (now >= nextStatusAt) {
            nextStatusAt = now + STATUS_INTERVAL_MILLIS;
            writeStatus(now);
        }
    }

    private boolean isHung(RoleProcess role, long now) {
        Mailbox inbox = role.spec.inbox() == null ? null : inboxes.get(role.spec.inbox());
        if (inbox == null || now - role.startedAt() < heartbeatTimeoutMillis) {
            return false;
        }
        // Only the callee table matters here: no slot scan, no /proc reads, at every step.
        for (int i = 0; i < inbox.geometry().maxCallees(); i++) {
            EntryInfo callee = inbox.calleeEntry(i);
            if (callee.pid() == role.pid()) {
                return now - callee.heartbeat() > heartbeatTimeoutMillis;
            }
        }
        // Not attached as a callee yet, long after starting: as good as hung.
        return now - role.startedAt() > Math.max(heartbeatTimeoutMillis, STARTUP_GRACE_MILLIS);
    }

    /** A role's state, as {@code status.json} and {@code sluice status} show it. */
    public record RoleStatus(
            String name,
            long pid,
            boolean alive,
            long uptimeMs,
            int restarts,
            String lastExit,
            long heartbeatAgeMs,
            int mailboxBacklog,
            String log) {}

    public List<RoleStatus> status() {
        long now = clock.epochMillis();
        List<RoleStatus> statuses = new ArrayList<>();
        for (RoleProcess role : roles) {
            long heartbeatAge = -1;
            int backlog = -1;
            Mailbox inbox = role.spec.inbox() == null ? null : inboxes.get(role.spec.inbox());
            if (inbox != null) {
                MailboxSnapshot snapshot = MailboxSnapshot.take(inbox);
                backlog = snapshot.slots().size();
                heartbeatAge = snapshot.callees().stream()
                        .filter(c -> c.pid() == role.pid())
                        .mapToLong(MailboxSnapshot.Party::heartbeatAgeMs)
                        .findFirst()
                        .orElse(-1);
            }
            statuses.add(new RoleStatus(
                    role.spec.name(),
                    role.pid(),
                    role.isAlive(),
                    role.isAlive() ? now - role.startedAt() : 0,
                    role.restarts(),
                    role.heldFor() != null ? "held: " + role.heldFor() : role.lastExit(),
                    heartbeatAge,
                    backlog,
                    role.log().toString()));
        }
        return statuses;
    }

    private void writeStatus(long now) {
        Map<String, Object> status = new LinkedHashMap<>();
        status.put("supervisorPid", ProcessIdentity.current().pid());
        status.put("at", now);
        status.put("roles", status());
        status.put("mailboxes", inboxes.keySet().stream().map(Path::toString).toList());
        Supplier<Map<String, Object>> ha = haStatus;
        if (ha != null) {
            status.put("ha", ha.get());
        }
        Path file = runDirectory.resolve("status.json");
        Path tmp = runDirectory.resolve("status.json.tmp");
        try {
            JSON.writerWithDefaultPrettyPrinter()
                    .writeValue(PrivateFiles.ensureFile(tmp).toFile(), status);
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }

    public Path runDirectory() {
        return runDirectory;
    }

    /** Stops the roles in reverse order of starting, then releases the mailboxes; a second call does nothing. */
    @Override
    public void close() throws InterruptedException {
        if (closed) {
            return;
        }
        closed = true;
        for (RoleProcess role : roles.reversed()) {
            role.stop(5_000);
            log.accept("stopped " + role.spec.name());
        }
        writeStatus(clock.epochMillis());
        inboxes.values().forEach(Mailbox::close);
    }
}
