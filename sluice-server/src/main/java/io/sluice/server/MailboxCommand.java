package io.sluice.server;

import io.sluice.common.ExitCode;
import io.sluice.mailbox.Mailbox;
import io.sluice.mailbox.MailboxGeometry;
import io.sluice.mailbox.MailboxRecovery;
import io.sluice.mailbox.MailboxSnapshot;
import io.sluice.mailbox.MailboxStatus;
import io.sluice.mailbox.MailboxWatchdog;
import io.sluice.mailbox.SlotInfo;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code sluice mailbox ...}: third-party inspection and repair of mailbox files. */
@Command(
        name = "mailbox",
        mixinStandardHelpOptions = true,
        description = "Inspect, create, revoke calls in, and repair shared-memory mailboxes.",
        subcommands = {
            MailboxCommand.Inspect.class,
            MailboxCommand.Create.class,
            MailboxCommand.Cancel.class,
            MailboxCommand.Sweep.class
        })
final class MailboxCommand implements Runnable {
    @picocli.CommandLine.Spec
    private picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    @Command(
            name = "inspect",
            mixinStandardHelpOptions = true,
            description = {
                "Map a mailbox read-only and show its header, parties, every non-free slot,",
                "and the watchdog's findings (stuck slots, dead or hung owners).",
                "Exit code 0 when healthy, 1 when the watchdog found something, 3 for a bad file."
            })
    static final class Inspect implements Callable<Integer> {
        @Parameters(paramLabel = "FILE", description = "mailbox file, e.g. /dev/shm/sluice-services")
        Path file;

        @Option(names = "--json", description = "one JSON object per snapshot")
        boolean json;

        @Option(names = "--watch", description = "repeat every --interval until interrupted")
        boolean watch;

        @Option(
                names = "--interval",
                defaultValue = "1000",
                description = "watch interval in ms (default ${DEFAULT-VALUE})")
        long intervalMs;

        @Option(names = "--stuck-after", defaultValue = "10000", description = "a call waiting longer is stuck (ms)")
        long stuckAfterMs;

        @Option(
                names = "--heartbeat-timeout",
                defaultValue = "5000",
                description = "a callee silent longer is hung (ms)")
        long heartbeatTimeoutMs;

        @Override
        public Integer call() throws Exception {
            MailboxWatchdog watchdog = new MailboxWatchdog(stuckAfterMs, heartbeatTimeoutMs);
            try (Mailbox mailbox = Mailbox.openReadOnly(file)) {
                while (true) {
                    MailboxSnapshot snapshot = MailboxSnapshot.take(mailbox);
                    List<MailboxWatchdog.Finding> findings = watchdog.check(snapshot);
                    System.out.println(
                            json
                                    ? SnapshotRenderer.json(snapshot, findings)
                                    : SnapshotRenderer.text(snapshot, findings));
                    System.out.flush();
                    if (!watch) {
                        return findings.isEmpty() ? ExitCode.OK : ExitCode.FAILURE;
                    }
                    Thread.sleep(intervalMs);
                }
            }
        }
    }

    @Command(name = "create", mixinStandardHelpOptions = true, description = "Create a new, empty mailbox file.")
    static final class Create implements Callable<Integer> {
        @Parameters(paramLabel = "FILE")
        Path file;

        @Option(
                names = "--slots",
                defaultValue = "1024",
                description = "number of mailslots (default ${DEFAULT-VALUE})")
        int slots;

        @Option(
                names = "--slot-size",
                defaultValue = "1024",
                description = "bytes per slot incl. 128-byte header (default ${DEFAULT-VALUE})")
        int slotSize;

        @Option(names = "--callers", defaultValue = "16", description = "caller indexes (default ${DEFAULT-VALUE})")
        int callers;

        @Option(names = "--callees", defaultValue = "4", description = "callee entries (default ${DEFAULT-VALUE})")
        int callees;

        @Override
        public Integer call() {
            MailboxGeometry geometry = new MailboxGeometry(slots, slotSize, callers, callees);
            if (Files.exists(file)) {
                System.err.println("sluice: " + file + " exists; not overwriting it");
                return ExitCode.FAILURE;
            }
            Mailbox.create(file, geometry).close();
            System.out.println("created " + file + " " + geometry + ", " + geometry.fileLength() + " bytes");
            return ExitCode.OK;
        }
    }

    @Command(
            name = "cancel",
            mixinStandardHelpOptions = true,
            description =
                    "Revoke the call in a slot: cancelled at once if still posted; flagged for the callee if taken.")
    static final class Cancel implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "FILE")
        Path file;

        @Parameters(index = "1", paramLabel = "SLOT")
        int slot;

        @Override
        public Integer call() {
            try (Mailbox mailbox = Mailbox.open(file)) {
                if (slot < 0 || slot >= mailbox.geometry().slotCount()) {
                    System.err.println(
                            "sluice: slot must be 0.." + (mailbox.geometry().slotCount() - 1));
                    return ExitCode.USAGE;
                }
                SlotInfo info = mailbox.slotInfo(slot);
                int rc = mailbox.revoke(info.handle());
                System.out.println("slot " + slot + ": " + MailboxStatus.name(rc));
                return rc == MailboxStatus.OK || rc == MailboxStatus.CANCEL_REQUESTED ? ExitCode.OK : ExitCode.FAILURE;
            }
        }
    }

    @Command(
            name = "sweep",
            mixinStandardHelpOptions = true,
            description =
                    "Run the recovery sweep: break dead locks, re-announce lost rings, redeliver or abandon calls of dead callees.")
    static final class Sweep implements Callable<Integer> {
        @Parameters(paramLabel = "FILE")
        Path file;

        @Override
        public Integer call() {
            try (Mailbox mailbox = Mailbox.open(file)) {
                System.out.println(MailboxRecovery.sweep(mailbox));
                return ExitCode.OK;
            }
        }
    }
}
