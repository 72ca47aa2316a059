package io.sluice.common;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PrivateFilesTest {
    private static final int NOBODY = 65534;

    @TempDir
    Path dir;

    private static String mode(Path p) throws Exception {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
    }

    @Test
    void directoriesAndFilesAreCreatedForThisUserAlone() throws Exception {
        Path data = PrivateFiles.ensureDirectory(dir.resolve("a").resolve("data"));
        assertThat(mode(data)).isEqualTo("rwx------");
        Path log = PrivateFiles.ensureFile(data.resolve("web.log"));
        assertThat(mode(log)).isEqualTo("rw-------");
        PrivateFiles.checkSecret(log);
    }

    @Test
    void ourOwnStateLeftOpenByAnOlderVersionIsClosed() throws Exception {
        Path data = Files.createDirectory(
                dir.resolve("data"),
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
        Path log = Files.createFile(
                data.resolve("web.log"),
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-r--r--")));
        PrivateFiles.ensureDirectory(data);
        PrivateFiles.ensureFile(log);
        assertThat(mode(data)).isEqualTo("rwx------");
        assertThat(mode(log)).isEqualTo("rw-------");
    }

    @Test
    void aSecretOthersMayReadAndALinkAreRefused() throws Exception {
        Path secret = Files.writeString(dir.resolve("secret"), "0123456789abcdef");
        Files.setPosixFilePermissions(secret, PosixFilePermissions.fromString("rw-r--r--"));
        assertThatThrownBy(() -> PrivateFiles.checkSecret(secret))
                .isInstanceOf(PrivateFiles.NotPrivateException.class)
                .hasMessageContaining("mode 0644");
        Path link = Files.createSymbolicLink(dir.resolve("link"), secret);
        assertThatThrownBy(() -> PrivateFiles.ensureFile(link)).hasMessageContaining("not a regular file");
    }

    @Test
    void anotherUsersDirectoryOrFileIsRefusedNotTaken() throws Exception {
        Assumptions.assumeTrue(PrivateFiles.currentUid() == 0, "needs root to give a file to another user");
        Path theirs = Files.createDirectory(dir.resolve("theirs"));
        Files.setAttribute(theirs, "unix:uid", NOBODY);
        assertThatThrownBy(() -> PrivateFiles.ensureDirectory(theirs))
                .isInstanceOf(PrivateFiles.NotPrivateException.class)
                .hasMessageContaining("owned by uid " + NOBODY);
        Path file = Files.createFile(dir.resolve("planted.log"));
        Files.setAttribute(file, "unix:uid", NOBODY);
        assertThatThrownBy(() -> PrivateFiles.ensureFile(file)).hasMessageContaining("owned by uid " + NOBODY);
        // A sticky shared directory (like /dev/shm) is fine to create one's own files in.
        Path shared = Files.createDirectory(dir.resolve("shared"));
        Files.setAttribute(shared, "unix:mode", 01777);
        Files.setAttribute(shared, "unix:uid", NOBODY);
        PrivateFiles.checkDirectory(shared);
    }
}
