package io.sluice.mailbox;

import static io.sluice.mailbox.MailboxDescriptor.*;

import io.sluice.common.EpochClock;
import io.sluice.common.PrivateFiles;
import io.sluice.common.ProcessIdentity;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Set;

/**
 * A mailbox's file on disk: made whole under a temporary name and moved into place, checked private and validated
 * against its header before it is mapped, moved aside when unusable. {@link Mailbox} works on the mapping this returns;
 * the layout is {@link MailboxDescriptor}'s.
 */
final class MailboxFile {
    /** A mapped mailbox file and the geometry its header gives; the arena owns the mapping. */
    record Mapping(Arena arena, MemorySegment segment, MailboxGeometry geometry) {}

    private MailboxFile() {}

    /**
     * Writes a new mailbox (header, every slot free, the magic last so a reader never sees a half-made file as valid)
     * under a temporary name 0600 and moves it to {@code file}; the directory is one this user owns (made 0700 when
     * missing) or a sticky one like /dev/shm.
     */
    static Mapping create(Path file, MailboxGeometry geometry, EpochClock clock) {
        Path tmp = file.resolveSibling(
                file.getFileName() + ".tmp-" + ProcessHandle.current().pid());
        try {
            privateDirectory(file);
            Arena arena = Arena.ofShared();
            MemorySegment segment;
            try (FileChannel ch = FileChannel.open(
                    tmp,
                    Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.READ, StandardOpenOption.WRITE),
                    PrivateFiles.FILE_0600)) {
                ch.truncate(geometry.fileLength());
                ch.write(ByteBuffer.wrap(new byte[1]), geometry.fileLength() - 1);
                segment = ch.map(FileChannel.MapMode.READ_WRITE, 0, geometry.fileLength(), arena);
            }
            segment.fill((byte) 0);
            segment.set(ValueLayout.JAVA_INT, VERSION_OFFSET, LAYOUT_VERSION);
            segment.set(ValueLayout.JAVA_INT, SLOT_COUNT_OFFSET, geometry.slotCount());
            segment.set(ValueLayout.JAVA_INT, SLOT_SIZE_OFFSET, geometry.slotSize());
            segment.set(ValueLayout.JAVA_INT, MAX_CALLERS_OFFSET, geometry.maxCallers());
            segment.set(ValueLayout.JAVA_INT, MAX_CALLEES_OFFSET, geometry.maxCallees());
            segment.set(
                    ValueLayout.JAVA_LONG,
                    CREATOR_TOKEN_OFFSET,
                    ProcessIdentity.current().token());
            segment.set(ValueLayout.JAVA_LONG, CREATED_AT_OFFSET, clock.epochMillis());
            markEverySlotFree(segment, geometry.slotCount());
            new SharedMemory(segment).putLongVolatile(MAGIC_OFFSET, MAGIC);
            try {
                Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, file);
            }
            return new Mapping(arena, segment, geometry);
        } catch (PrivateFiles.NotPrivateException e) {
            throw new MailboxFormatException(file, MailboxFormatException.Reason.NOT_PRIVATE, e.getMessage());
        } catch (IOException e) {
            try {
                Files.deleteIfExists(tmp);
            } catch (IOException ignored) {
                // best effort: the temporary name carries our pid and is never opened as a mailbox
            }
            throw new UncheckedIOException("cannot create mailbox " + file, e);
        }
    }

    /** One bit per slot in the free bitmap, in words of 64, as {@link Mailbox}'s bit operations read them. */
    private static void markEverySlotFree(MemorySegment segment, int slotCount) {
        long bitmap = freeBitmapOffset();
        for (int word = 0; word * 64 < slotCount; word++) {
            int bits = Math.min(64, slotCount - word * 64);
            segment.set(ValueLayout.JAVA_LONG, bitmap + ((long) word << 3), bits == 64 ? -1L : (1L << bits) - 1);
        }
    }

    /** The mailbox's directory: created 0700 if missing, else checked (ours and closed to others, or sticky). */
    private static void privateDirectory(Path file) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        if (Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
            PrivateFiles.checkDirectory(dir);
        } else {
            PrivateFiles.ensureDirectory(dir);
        }
    }

    /**
     * Maps an existing mailbox file after checking it: for reading and writing only when it and its directory are this
     * user's and closed to others (another user's file is never trusted with calls); read-only for inspection by
     * anyone. The header must describe exactly the file's length.
     */
    static Mapping map(Path file, boolean readOnly) {
        long size;
        try {
            size = Files.size(file);
            if (!readOnly) {
                PrivateFiles.checkDirectory(file.toAbsolutePath().getParent());
                PrivateFiles.checkSecret(file);
            }
        } catch (NoSuchFileException e) {
            throw new MailboxFormatException(file, MailboxFormatException.Reason.MISSING, "no such file");
        } catch (PrivateFiles.NotPrivateException e) {
            throw new MailboxFormatException(file, MailboxFormatException.Reason.NOT_PRIVATE, e.getMessage());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open mailbox " + file, e);
        }
        if (size < HEADER_LENGTH) {
            throw new MailboxFormatException(
                    file,
                    MailboxFormatException.Reason.TRUNCATED,
                    size + " bytes, shorter than the " + HEADER_LENGTH + "-byte header");
        }
        Arena arena = Arena.ofShared();
        MemorySegment segment;
        try (FileChannel ch = readOnly
                ? FileChannel.open(file, StandardOpenOption.READ)
                : FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            segment = ch.map(readOnly ? FileChannel.MapMode.READ_ONLY : FileChannel.MapMode.READ_WRITE, 0, size, arena);
        } catch (IOException e) {
            arena.close();
            throw new UncheckedIOException("cannot map mailbox " + file, e);
        }
        try {
            return new Mapping(arena, segment, validateHeader(file, segment, size));
        } catch (RuntimeException e) {
            arena.close();
            throw e;
        }
    }

    /**
     * Moves an unusable file aside as {@code NAME.bad-MILLIS} for post-mortem; the path it went to, or null if none.
     */
    static Path quarantine(Path file, EpochClock clock) {
        if (!Files.exists(file)) {
            return null;
        }
        Path aside = file.resolveSibling(file.getFileName() + ".bad-" + clock.epochMillis());
        try {
            Files.move(file, aside, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot move unusable mailbox " + file + " aside", e);
        }
        return aside;
    }

    private static MailboxGeometry validateHeader(Path file, MemorySegment segment, long size) {
        long magic = segment.get(ValueLayout.JAVA_LONG, MAGIC_OFFSET);
        if (magic != MAGIC) {
            throw new MailboxFormatException(
                    file,
                    MailboxFormatException.Reason.FOREIGN,
                    String.format("magic is 0x%016x, not a Sluice mailbox", magic));
        }
        int version = segment.get(ValueLayout.JAVA_INT, VERSION_OFFSET);
        if (version != LAYOUT_VERSION) {
            throw new MailboxFormatException(
                    file,
                    MailboxFormatException.Reason.WRONG_VERSION,
                    "layout version " + version + ", this build reads " + LAYOUT_VERSION);
        }
        MailboxGeometry geometry;
        try {
            geometry = new MailboxGeometry(
                    segment.get(ValueLayout.JAVA_INT, SLOT_COUNT_OFFSET),
                    segment.get(ValueLayout.JAVA_INT, SLOT_SIZE_OFFSET),
                    segment.get(ValueLayout.JAVA_INT, MAX_CALLERS_OFFSET),
                    segment.get(ValueLayout.JAVA_INT, MAX_CALLEES_OFFSET));
        } catch (IllegalArgumentException e) {
            throw new MailboxFormatException(file, MailboxFormatException.Reason.CORRUPT, e.getMessage());
        }
        if (size != geometry.fileLength()) {
            throw new MailboxFormatException(
                    file,
                    size < geometry.fileLength()
                            ? MailboxFormatException.Reason.TRUNCATED
                            : MailboxFormatException.Reason.CORRUPT,
                    size + " bytes, the header describes " + geometry.fileLength());
        }
        return geometry;
    }
}
