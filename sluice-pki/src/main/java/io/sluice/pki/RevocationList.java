package io.sluice.pki;

import io.sluice.common.PrivateFiles;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.HashSet;
import java.util.Set;
import java.util.function.Predicate;

/**
 * The serials of certificates their authority withdrew, one per line ({@code serial-hex revoked-at-millis}), kept in
 * {@value #FILE} next to the authority. A TLS context built with one refuses those certificates at the handshake
 * ({@link TlsContexts#create(KeyMaterial, java.util.List, RevocationList)}). The file is read again whenever it
 * changed, so a revocation by {@code sluice pki revoke} takes effect at the next handshake of a running server, without
 * a restart. A missing file revokes nothing; an unreadable one revokes everything, because a server that cannot tell
 * which certificates were withdrawn must not accept any.
 */
public final class RevocationList {
    public static final String FILE = "revoked";

    private final Path file;
    private Set<BigInteger> revoked = Set.of();
    private Object seenKey;
    private boolean unreadable;

    public RevocationList(Path file) {
        this.file = file;
    }

    /** A list that never revokes: for contexts whose authority keeps no list (an operator's own CA). */
    public static RevocationList none() {
        return new RevocationList(null);
    }

    /** Whether {@code serial} was revoked, as the file says now. */
    public boolean isRevoked(BigInteger serial) {
        return current().test(serial);
    }

    /**
     * The list as the file says now, read (if it changed) once for many questions: a sweep over thousands of sessions
     * then costs one look at the file, not one per session.
     */
    public synchronized Predicate<BigInteger> current() {
        if (file == null) {
            return serial -> false;
        }
        refresh();
        Set<BigInteger> now = revoked;
        return unreadable ? serial -> true : now::contains;
    }

    /** Adds {@code serial} to the file (made 0600 if new) and forces it to disk. */
    public synchronized void revoke(BigInteger serial, long atMillis) throws IOException {
        PrivateFiles.ensureFile(file);
        String line = serial.toString(16) + " " + atMillis + "\n";
        Files.writeString(file, line, StandardCharsets.US_ASCII, StandardOpenOption.APPEND, StandardOpenOption.SYNC);
    }

    private void refresh() {
        try {
            BasicFileAttributes attributes = Files.readAttributes(file, BasicFileAttributes.class);
            Object key =
                    attributes.lastModifiedTime().toMillis() + ":" + attributes.size() + ":" + attributes.fileKey();
            if (key.equals(seenKey)) {
                return;
            }
            Set<BigInteger> read = new HashSet<>();
            for (String line : Files.readAllLines(file, StandardCharsets.US_ASCII)) {
                if (!line.isBlank()) {
                    read.add(new BigInteger(line.strip().split(" ")[0], 16));
                }
            }
            revoked = read;
            seenKey = key;
            unreadable = false;
        } catch (NoSuchFileException e) {
            revoked = Set.of();
            seenKey = null;
            unreadable = false;
        } catch (IOException | RuntimeException e) {
            seenKey = null;
            unreadable = true;
        }
    }
}
