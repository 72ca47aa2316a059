package io.sluice.server;

import java.nio.file.Path;
import picocli.CommandLine.Option;

/** Where a role's command finds the server's mailboxes: the options every role shares (a picocli mixin). */
final class MailboxOptions {
    @Option(names = "--mailbox-dir", defaultValue = "/dev/shm", description = "where the mailboxes live")
    Path dir;

    @Option(
            names = "--mailbox-name",
            defaultValue = "sluice",
            description = "prefix of the mailbox files (default ${DEFAULT-VALUE})")
    String name;
}
