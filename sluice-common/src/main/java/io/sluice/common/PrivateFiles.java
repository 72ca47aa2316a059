package io.sluice.common;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/**
 * The rule for a server's local state (mailboxes, data, logs, secrets): it belongs to the server's user and nobody else
 * may change it. A file or directory is used only if the process's user owns it and neither group nor others may write
 * it; a secret, not even read it (as ssh treats a private key). Links are not followed, so a link planted in a shared
 * directory cannot redirect the server.
 */
public final class PrivateFiles {
    /** rw------- */
    public static final FileAttribute<Set<PosixFilePermission>> FILE_0600 =
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"));
    /** rwx------ */
    public static final FileAttribute<Set<PosixFilePermission>> DIRECTORY_0700 =
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------"));

    private static final int GROUP_OTHER_WRITE = 0022;
    private static final int GROUP_OTHER_ANY = 0077;
    private static final int STICKY = 01000;

    private PrivateFiles() {}

    /** A path the server refuses to use: someone else owns it or may change it. */
    public static final class NotPrivateException extends IOException {
        public NotPrivateException(Path path, String why) {
            super(path + ": " + why + "; refused (it must belong to uid " + currentUid()
                    + " and not be writable by group or others)");
        }
    }

    /** The uid this process runs as (the owner of its /proc entry). */
    public static int currentUid() {
        try {
            return (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid");
        } catch (IOException e) {
            throw new IllegalStateException("cannot read this process's uid from /proc/self", e);
        }
    }

    /** Refuses {@code file} unless this user owns it and group and others cannot write it. */
    public static void checkOwned(Path file) throws IOException {
        check(file, GROUP_OTHER_WRITE, "writable by group or others");
    }

    /** Refuses {@code file} unless this user owns it and group and others can neither read nor write it. */
    public static void checkSecret(Path file) throws IOException {
        check(file, GROUP_OTHER_ANY, "readable or writable by group or others");
    }

    /**
     * The bytes of a secret (a deployment secret, a gateway key), refused unless this user owns the file and group and
     * others can neither read nor write it: a secret others could read is no longer one.
     */
    public static byte[] readSecret(Path file) throws IOException {
        checkSecret(file);
        return Files.readAllBytes(file);
    }

    /** Writes a secret into a new file that only this user may read (0600, never another user's file). */
    public static Path writeSecret(Path file, byte[] secret) throws IOException {
        Files.write(ensureFile(file), secret);
        return file;
    }

    /**
     * A directory new files may safely be created in: one this user owns and group and others cannot write, or a sticky
     * one like /dev/shm or /tmp, where nobody can replace another user's file.
     */
    public static void checkDirectory(Path dir) throws IOException {
        int mode = mode(dir);
        if ((mode & STICKY) != 0) {
            return;
        }
        check(dir, GROUP_OTHER_WRITE, "writable by group or others");
    }

    /**
     * Creates {@code dir} 0700 (its missing parents too) or checks the one there: a directory and not a link, owned by
     * this user (else refused). One of ours that group or others may enter (made by an older version, or under a loose
     * umask) is closed to them.
     */
    public static Path ensureDirectory(Path dir) throws IOException {
        Path parent = dir.toAbsolutePath().getParent();
        if (parent != null && !Files.exists(parent, LinkOption.NOFOLLOW_LINKS)) {
            Files.createDirectories(parent);
        }
        try {
            Files.createDirectory(dir, DIRECTORY_0700);
        } catch (FileAlreadyExistsException e) {
            if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
                throw new NotPrivateException(dir, "not a directory (or a link)");
            }
            check(dir, 0, "");
            if ((mode(dir) & GROUP_OTHER_ANY) != 0) {
                Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
            }
        }
        return dir;
    }

    /**
     * Creates {@code file} empty and 0600, or checks the one there: a regular file and not a link, owned by this user
     * (else refused); one group or others may read (made under a loose umask) is closed to them.
     */
    public static Path ensureFile(Path file) throws IOException {
        try {
            Files.createFile(file, FILE_0600);
        } catch (FileAlreadyExistsException e) {
            if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
                throw new NotPrivateException(file, "not a regular file (or a link)");
            }
            check(file, 0, "");
            if ((mode(file) & GROUP_OTHER_ANY) != 0) {
                Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
            }
        }
        return file;
    }

    private static void check(Path path, int forbidden, String what) throws IOException {
        int owner = (Integer) Files.getAttribute(path, "unix:uid", LinkOption.NOFOLLOW_LINKS);
        if (owner != currentUid()) {
            throw new NotPrivateException(path, "owned by uid " + owner);
        }
        int mode = mode(path);
        if ((mode & forbidden) != 0) {
            throw new NotPrivateException(path, String.format("mode %04o, %s", mode & 07777, what));
        }
    }

    private static int mode(Path path) throws IOException {
        return (Integer) Files.getAttribute(path, "unix:mode", LinkOption.NOFOLLOW_LINKS);
    }
}
