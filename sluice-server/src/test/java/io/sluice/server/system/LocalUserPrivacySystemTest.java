package io.sluice.server.system;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import io.sluice.common.PrivateFiles;
import io.sluice.mailbox.ServerMailboxes;
import io.sluice.testkit.Await;
import io.sluice.web.WebServer;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A running server as another local user sees it: the whole server (four roles and a gateway under the real supervisor)
 * writes its database, logs, volume identities, setup link and mailboxes, and then {@code nobody} (through setpriv; the
 * tests run as root in CI) tries to read each file and list each directory, from a parent it is allowed to enter.
 * Everything must be closed to it, and the setup token must be in the setup-link file alone, never in a log.
 */
@Tag("system")
class LocalUserPrivacySystemTest {
    private static final int NOBODY = 65534;
    private static final Set<PosixFilePermission> GROUP_OR_OTHER = Set.of(
            PosixFilePermission.GROUP_READ,
            PosixFilePermission.GROUP_WRITE,
            PosixFilePermission.GROUP_EXECUTE,
            PosixFilePermission.OTHERS_READ,
            PosixFilePermission.OTHERS_WRITE,
            PosixFilePermission.OTHERS_EXECUTE);

    @TempDir
    Path dir;

    @Test
    void anotherLocalUserCanReadNothingTheServerWrites() throws Exception {
        assumeThat(PrivateFiles.currentUid())
                .as("needs root to act as a second user")
                .isZero();
        // Only the server's own protection counts: the test's directory is open to everyone.
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        try (ServerHarness server = new ServerHarness(dir, List.of("db", "services", "monitor", "web"), 1_000)) {
            Path setupLink = server.settings.dataDir().resolve("web").resolve(WebServer.SETUP_LINK_FILE);
            Await.until(60_000, () -> Files.exists(setupLink));
            Await.until(60_000, () -> server.linkState().equals("IN_SESSION"));
            String token = Files.readString(setupLink).strip().replaceAll(".*[#=/]", "");
            assertThat(token).hasSizeGreaterThan(16);

            List<Path> written = new ArrayList<>();
            for (Path root : List.of(
                    server.settings.dataDir(),
                    server.settings.runDir(),
                    ServerMailboxes.directory(server.settings.mailboxDir(), server.settings.name()))) {
                try (Stream<Path> paths = Files.walk(root)) {
                    paths.filter(path -> !path.equals(dir)).forEach(written::add);
                }
            }
            assertThat(written)
                    .as("the server wrote its state")
                    .anySatisfy(p -> assertThat(p.toString()).endsWith(".log"))
                    .anySatisfy(p -> assertThat(p.toString()).endsWith("samples.journal"))
                    .contains(setupLink, server.mailbox("db"));

            List<String> open = new ArrayList<>();
            for (Path path : written) {
                Set<PosixFilePermission> mode = Files.getPosixFilePermissions(path, LinkOption.NOFOLLOW_LINKS);
                if (mode.stream().anyMatch(GROUP_OR_OTHER::contains)) {
                    open.add(PosixFilePermissions.toString(mode) + " " + path);
                }
                boolean directory = Files.isDirectory(path, LinkOption.NOFOLLOW_LINKS);
                if (asNobody(directory ? "ls" : "cat", path.toString()) == 0) {
                    open.add("nobody can " + (directory ? "list " : "read ") + path);
                }
                if (path.toString().endsWith(".log") && Files.readString(path).contains(token)) {
                    open.add("the setup token is in " + path);
                }
            }
            assertThat(open).as("what another local user can reach").isEmpty();
        }
    }

    private static int asNobody(String... command) throws Exception {
        List<String> cmd =
                new ArrayList<>(List.of("setpriv", "--reuid=" + NOBODY, "--regid=" + NOBODY, "--clear-groups"));
        cmd.addAll(List.of(command));
        Process process = new ProcessBuilder(cmd)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .start();
        assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
        return process.exitValue();
    }
}
