package io.sluice.services.daemon;

import io.sluice.mailbox.ServerMailboxes;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** The mailbox files a test's services made for the server {@code name}, and their directory, removed after it. */
final class ServicesMailboxFiles {
    private ServicesMailboxFiles() {}

    static void remove(Path dir, String name) throws IOException {
        for (String suffix : List.of(
                ServerMailboxes.SERVICES_SUFFIX,
                ServerMailboxes.SERVICES_QUERIES_SUFFIX,
                ServerMailboxes.MONITOR_SUFFIX,
                ServerMailboxes.DB_SUFFIX)) {
            Files.deleteIfExists(ServerMailboxes.file(dir, name, suffix));
        }
        Files.deleteIfExists(ServerMailboxes.directory(dir, name));
    }
}
