package io.sluice.monitor;

import io.sluice.common.PrivateFiles;
import java.io.IOException;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The monitor's gateway standings on disk, so that an approval, a revocation or an enrollment token given through the
 * mailbox outlives a restart of the monitor. A text file, one entry per line:
 *
 * <pre>
 * # sluice gateway registry v1
 * approved 12
 * revoked 13
 * token 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08
 * used 60303ae22b998861bce3b28f33eec1be758a213c86c93c076dbe9f558c11c752
 * bound 12 lun7
 * unbound 14 lun7
 * </pre>
 *
 * {@code bound}/{@code unbound} record an operator's binding of a shared volume name (URL-encoded) to a gateway, or its
 * removal, which wins over a binding in the configuration (see {@link GatewayRegistry#mayServeShared}). Tokens are
 * stored as the SHA-256 of the token, never the token; a used token stays on record so that one given on the command
 * line does not admit a second gateway after a restart. Written whole to a temporary file, forced to disk, then moved
 * over the old one and the directory forced too, so a crash leaves either the old or the new registry, and a change
 * answered OK is still there after a power cut. A file that another user owns, or that group or others may write, is
 * refused like a corrupt one: whoever could write it could approve themselves.
 */
final class RegistryFile {
    private static final System.Logger LOG = System.getLogger(GatewayRegistry.class.getName());
    static final String HEADER = "# sluice gateway registry v1";

    /** What the file holds. */
    record Contents(
            Map<Long, GatewayRegistry.Standing> standings,
            Set<String> tokenHashes,
            Set<String> usedHashes,
            Map<GatewayRegistry.Binding, Boolean> bindings) {}

    /** The file is not a registry this version can read; the message says which line and why. */
    static final class CorruptRegistryException extends Exception {
        CorruptRegistryException(Path file, String message) {
            super(file + ": " + message);
        }
    }

    private RegistryFile() {}

    static Contents read(Path file) throws IOException, CorruptRegistryException {
        Map<Long, GatewayRegistry.Standing> standings = new HashMap<>();
        Set<String> tokenHashes = new HashSet<>();
        Set<String> usedHashes = new HashSet<>();
        Map<GatewayRegistry.Binding, Boolean> bindings = new HashMap<>();
        PrivateFiles.checkOwned(file);
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (CharacterCodingException e) {
            throw new CorruptRegistryException(file, "not UTF-8 text");
        }
        if (lines.isEmpty() || !lines.getFirst().equals(HEADER)) {
            throw new CorruptRegistryException(file, "does not start with '" + HEADER + "'");
        }
        for (int n = 1; n < lines.size(); n++) {
            String line = lines.get(n).strip();
            if (line.isEmpty()) {
                continue;
            }
            String[] parts = line.split(" ");
            boolean binding = parts[0].equals("bound") || parts[0].equals("unbound");
            if (parts.length != (binding ? 3 : 2)) {
                throw new CorruptRegistryException(
                        file,
                        "line " + (n + 1) + ": expected "
                                + (binding
                                        ? "'" + parts[0] + " <gateway id> <shared volume name>'"
                                        : "'<kind> <value>'"));
            }
            switch (parts[0]) {
                case "bound", "unbound" ->
                    bindings.put(
                            new GatewayRegistry.Binding(volumeName(file, n, parts[2]), gatewayId(file, n, parts[1])),
                            parts[0].equals("bound"));
                case "approved" -> standings.put(gatewayId(file, n, parts[1]), GatewayRegistry.Standing.APPROVED);
                case "revoked" -> standings.put(gatewayId(file, n, parts[1]), GatewayRegistry.Standing.REVOKED);
                case "token" -> tokenHashes.add(tokenHash(file, n, parts[1]));
                case "used" -> usedHashes.add(tokenHash(file, n, parts[1]));
                default ->
                    throw new CorruptRegistryException(file, "line " + (n + 1) + ": unknown kind '" + parts[0] + "'");
            }
        }
        tokenHashes.removeAll(usedHashes);
        return new Contents(standings, tokenHashes, usedHashes, bindings);
    }

    private static String volumeName(Path file, int n, String text) throws CorruptRegistryException {
        try {
            String name = URLDecoder.decode(text, StandardCharsets.UTF_8);
            if (GatewayRegistry.Binding.isVolumeName(name)) {
                return name;
            }
        } catch (IllegalArgumentException e) {
            // reported below
        }
        throw new CorruptRegistryException(file, "line " + (n + 1) + ": not a volume name: '" + text + "'");
    }

    private static long gatewayId(Path file, int n, String text) throws CorruptRegistryException {
        try {
            long id = Long.parseLong(text);
            if (id > 0) {
                return id;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new CorruptRegistryException(file, "line " + (n + 1) + ": not a gateway id: '" + text + "'");
    }

    private static String tokenHash(Path file, int n, String text) throws CorruptRegistryException {
        if (text.length() == 64 && text.chars().allMatch(c -> Character.digit(c, 16) >= 0)) {
            return text.toLowerCase(Locale.ROOT);
        }
        throw new CorruptRegistryException(file, "line " + (n + 1) + ": not a SHA-256 in hex");
    }

    /**
     * Replaces the file with these standings (pending ones are not kept: they ask again), token hashes and bindings.
     */
    static void write(
            Path file,
            Map<Long, GatewayRegistry.Standing> standings,
            Set<String> tokenHashes,
            Set<String> usedHashes,
            Map<GatewayRegistry.Binding, Boolean> bindings)
            throws IOException {
        StringBuilder text = new StringBuilder(HEADER).append('\n');
        standings.forEach((id, standing) -> {
            if (standing != GatewayRegistry.Standing.PENDING) {
                text.append(standing == GatewayRegistry.Standing.APPROVED ? "approved " : "revoked ")
                        .append(id)
                        .append('\n');
            }
        });
        tokenHashes.forEach(hash -> text.append("token ").append(hash).append('\n'));
        usedHashes.forEach(hash -> text.append("used ").append(hash).append('\n'));
        bindings.forEach((binding, bound) -> text.append(bound ? "bound " : "unbound ")
                .append(binding.gatewayId())
                .append(' ')
                .append(URLEncoder.encode(binding.name(), StandardCharsets.UTF_8))
                .append('\n'));
        Path parent = file.toAbsolutePath().getParent();
        PrivateFiles.ensureDirectory(parent);
        Path temporary = parent.resolve(file.getFileName() + ".tmp");
        Files.deleteIfExists(temporary);
        // The server's user alone may read who is approved and which tokens wait to be used.
        try (FileChannel out = FileChannel.open(
                temporary, Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE), PrivateFiles.FILE_0600)) {
            out.write(ByteBuffer.wrap(text.toString().getBytes(StandardCharsets.UTF_8)));
            out.force(true);
        }
        Files.move(temporary, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        // The rename is in the directory: until the directory is on disk, a power cut can bring the old file back.
        try (FileChannel directory = FileChannel.open(parent, StandardOpenOption.READ)) {
            directory.force(true);
        }
    }

    /** The hex SHA-256 of an enrollment token as presented by a gateway. */
    static String hashOf(byte[] token) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(token));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }

    /**
     * The registry file of a monitor before the database held the registry: merged into the database, then renamed;
     * nothing when there is no such file.
     */
    static void importOnce(Path file, AdmissionLink db)
            throws IOException, RegistryFile.CorruptRegistryException, AdmissionLink.UnavailableException {
        if (file == null || !Files.exists(file)) {
            return;
        }
        RegistryFile.Contents contents;
        try {
            contents = RegistryFile.read(file);
        } catch (NoSuchFileException gone) {
            return;
        }
        db.importFile(contents);
        Path renamed = file.resolveSibling(file.getFileName() + ".imported-" + System.currentTimeMillis());
        try {
            Files.move(file, renamed);
            LOG.log(
                    System.Logger.Level.WARNING,
                    "gateway registry " + file + " imported into the database ("
                            + contents.standings().size() + " standings, "
                            + contents.tokenHashes().size() + " unused and "
                            + contents.usedHashes().size() + " used tokens, "
                            + contents.bindings().size()
                            + " bindings) and renamed " + renamed.getFileName()
                            + "; the database holds the registry from now on");
        } catch (IOException e) {
            // Imported all the same; the next start imports it again, which changes nothing the database decided since
            // but a revocation the file holds.
            LOG.log(
                    System.Logger.Level.ERROR,
                    "gateway registry " + file
                            + " imported into the database but not renamed: "
                            + e + "; rename or remove it, or it is imported again at the next start");
        }
    }
}
