package io.sluice.mailbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.common.EpochClock;
import io.sluice.common.PrivateFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * A server's mailboxes are its user's alone: created 0600 in a 0700 directory of its own, and a file that another user
 * owns or may read or change is refused before it is mapped. The other user is real: {@code nobody}, through setpriv,
 * when the tests run as root (as CI does).
 */
class MailboxPrivacyTest {
    private static final int NOBODY = 65534;
    private final String name = "privacy-" + ProcessHandle.current().pid() + "-" + System.nanoTime();
    private final Path base = Files.isDirectory(Mailbox.DEFAULT_DIRECTORY)
            ? Mailbox.DEFAULT_DIRECTORY
            : Path.of(System.getProperty("java.io.tmpdir"));
    private final Path dir = ServerMailboxes.directory(base, name);

    @AfterEach
    void removeTheDirectory() throws IOException {
        if (Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
            try (var files = Files.list(dir)) {
                for (Path f : files.toList()) {
                    Files.delete(f);
                }
            }
            Files.delete(dir);
        }
    }

    @Test
    void aServersMailboxesAreCreated0600InADirectoryOnly0700() throws Exception {
        Path file = ServerMailboxes.file(base, name, ServerMailboxes.DB_SUFFIX);
        Mailbox.create(file, TestMailboxes.small()).close();
        assertThat(dir.getFileName().toString()).isEqualTo("sluice-" + PrivateFiles.currentUid() + "-" + name);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir)))
                .isEqualTo("rwx------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file)))
                .isEqualTo("rw-------");
        Mailbox.open(file).close();
    }

    @Test
    void aMailboxOthersMayReadIsRefusedAndNeverMapped() throws Exception {
        Path file = ServerMailboxes.file(base, name, ServerMailboxes.DB_SUFFIX);
        Mailbox.create(file, TestMailboxes.small()).close();
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
        assertThatThrownBy(() -> Mailbox.openOrCreate(file, TestMailboxes.small(), EpochClock.system()))
                .isInstanceOfSatisfying(MailboxFormatException.class, e -> {
                    assertThat(e.reason()).isEqualTo(MailboxFormatException.Reason.NOT_PRIVATE);
                    assertThat(e.getMessage()).contains(file.toString(), "mode 0644");
                });
    }

    @Test
    void aDirectoryOpenToOthersIsRefused() throws Exception {
        Files.createDirectories(dir);
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxrwxrwx"));
        Path file = ServerMailboxes.file(base, name, ServerMailboxes.DB_SUFFIX);
        assertThatThrownBy(() -> Mailbox.openOrCreate(file, TestMailboxes.small(), EpochClock.system()))
                .isInstanceOfSatisfying(
                        MailboxFormatException.class,
                        e -> assertThat(e.reason()).isEqualTo(MailboxFormatException.Reason.NOT_PRIVATE));
        assertThat(Files.exists(file)).isFalse();
    }

    @Test
    void anotherUserCanNeitherReadAMailboxNorPlantOneAndAPlantedOneIsRefused() throws Exception {
        Assumptions.assumeTrue(PrivateFiles.currentUid() == 0, "needs root to act as a second user");
        Path file = ServerMailboxes.file(base, name, ServerMailboxes.DB_SUFFIX);
        Mailbox.create(file, TestMailboxes.small()).close();
        assertThat(asNobody("cat", file.toString()))
                .as("nobody reads the db mailbox")
                .isNotZero();
        assertThat(asNobody("touch", dir.resolve("services").toString()))
                .as("nobody plants a mailbox")
                .isNotZero();
        assertThat(asNobody("touch", dir.resolve("services").toString() + ".x")).isNotZero();

        // A file that another user owns (as one planted in a shared directory would be) is refused.
        Path planted = base.resolve("sluice-planted-" + ProcessHandle.current().pid() + "-" + System.nanoTime());
        try {
            Mailbox.create(planted, TestMailboxes.small()).close();
            Files.setAttribute(planted, "unix:uid", NOBODY);
            assertThatThrownBy(() -> Mailbox.openOrCreate(planted, TestMailboxes.small(), EpochClock.system()))
                    .isInstanceOfSatisfying(MailboxFormatException.class, e -> {
                        assertThat(e.reason()).isEqualTo(MailboxFormatException.Reason.NOT_PRIVATE);
                        assertThat(e.getMessage()).contains("owned by uid " + NOBODY);
                    });
        } finally {
            Files.deleteIfExists(planted);
        }
    }

    private static int asNobody(String... command) throws Exception {
        List<String> cmd =
                new ArrayList<>(List.of("setpriv", "--reuid=" + NOBODY, "--regid=" + NOBODY, "--clear-groups"));
        cmd.addAll(List.of(command));
        Process p = new ProcessBuilder(cmd)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .start();
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        return p.exitValue();
    }
}
