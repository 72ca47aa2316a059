package io.sluice.mailbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.common.EpochClock;
import io.sluice.common.ProcessIdentity;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class MailboxFileTest {
    private Path file;

    @AfterEach
    void cleanUp() throws IOException {
        if (file != null) {
            Files.deleteIfExists(file);
        }
    }

    @Test
    void createdMailboxDescribesItselfAndReopens() throws IOException {
        file = TestMailboxes.newFile("layout");
        MailboxGeometry geometry = new MailboxGeometry(100, 320, 5, 3);
        try (Mailbox created = Mailbox.create(file, geometry)) {
            assertThat(Files.size(file)).isEqualTo(geometry.fileLength());
            assertThat(created.creatorToken())
                    .isEqualTo(ProcessIdentity.current().token());
        }
        try (Mailbox reopened = Mailbox.open(file)) {
            assertThat(reopened.geometry()).isEqualTo(geometry);
            assertThat(reopened.geometry().paramCapacity()).isEqualTo(320 - 128);
            MailboxSnapshot snapshot = MailboxSnapshot.take(reopened);
            assertThat(snapshot.freeSlots()).isEqualTo(100);
            assertThat(snapshot.slots()).isEmpty();
        }
    }

    @Test
    void sectionsAreCacheLineAlignedAndDoNotOverlap() {
        MailboxGeometry g = new MailboxGeometry(130, 256, 7, 2);
        long[] offsets = {
            MailboxDescriptor.freeBitmapOffset(),
            MailboxDescriptor.requestBitmapOffset(g.slotCount()),
            MailboxDescriptor.calleeTableOffset(g.slotCount()),
            MailboxDescriptor.callerTableOffset(g.slotCount(), g.maxCallees()),
            MailboxDescriptor.replyBitmapsOffset(g.slotCount(), g.maxCallers(), g.maxCallees()),
            MailboxDescriptor.slotsOffset(g.slotCount(), g.maxCallers(), g.maxCallees()),
        };
        for (int i = 0; i < offsets.length; i++) {
            assertThat(offsets[i] % 64).isZero();
            if (i > 0) {
                assertThat(offsets[i]).isGreaterThan(offsets[i - 1]);
            }
        }
        // 130 slots need 3 bitmap words, rounded up to one cache line.
        assertThat(MailboxDescriptor.bitmapLength(130)).isEqualTo(64);
    }

    @Test
    void missingFileIsTyped() {
        Path missing = Path.of("/nonexistent-dir/sluice-missing");
        assertThatThrownBy(() -> Mailbox.open(missing))
                .isInstanceOfSatisfying(
                        MailboxFormatException.class,
                        e -> assertThat(e.reason()).isEqualTo(MailboxFormatException.Reason.MISSING));
    }

    @Test
    void truncatedFileIsTyped() throws IOException {
        file = TestMailboxes.newFile("truncated");
        Mailbox.create(file, TestMailboxes.small()).close();
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            raf.setLength(raf.length() - 100);
        }
        assertReason(MailboxFormatException.Reason.TRUNCATED);
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            raf.setLength(10);
        }
        assertReason(MailboxFormatException.Reason.TRUNCATED);
    }

    @Test
    void foreignFileIsTyped() throws IOException {
        file = TestMailboxes.newFile("foreign");
        Files.write(file, new byte[4096]);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        assertReason(MailboxFormatException.Reason.FOREIGN);
        Files.writeString(file, "#!/bin/sh\necho this is not a mailbox\n".repeat(100));
        assertReason(MailboxFormatException.Reason.FOREIGN);
    }

    @Test
    void wrongVersionAndCorruptHeaderAreTyped() throws IOException {
        file = TestMailboxes.newFile("version");
        Mailbox.create(file, TestMailboxes.small()).close();
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            raf.seek(MailboxDescriptor.VERSION_OFFSET);
            raf.write(new byte[] {99, 0, 0, 0});
        }
        assertReason(MailboxFormatException.Reason.WRONG_VERSION);
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            raf.seek(MailboxDescriptor.VERSION_OFFSET);
            raf.write(new byte[] {1, 0, 0, 0});
            raf.seek(MailboxDescriptor.SLOT_SIZE_OFFSET);
            raf.write(new byte[] {7, 0, 0, 0});
        }
        assertReason(MailboxFormatException.Reason.CORRUPT);
    }

    @Test
    void geometryMismatchIsRefusedAndQuarantineMakesRoomForAFreshMailbox() throws IOException {
        file = TestMailboxes.newFile("geometry");
        Mailbox.create(file, TestMailboxes.small()).close();
        MailboxGeometry other = new MailboxGeometry(32, 512, 8, 4);
        assertThatThrownBy(() -> Mailbox.openOrCreate(file, other, EpochClock.system()))
                .isInstanceOfSatisfying(
                        MailboxFormatException.class,
                        e -> assertThat(e.reason()).isEqualTo(MailboxFormatException.Reason.GEOMETRY_MISMATCH));
        Path aside = Mailbox.quarantine(file, EpochClock.system());
        try (Mailbox fresh = Mailbox.openOrCreate(file, other, EpochClock.system())) {
            assertThat(fresh.geometry()).isEqualTo(other);
        } finally {
            Files.deleteIfExists(aside);
        }
    }

    @Test
    void readOnlyMappingRefusesChanges() throws IOException {
        file = TestMailboxes.newFile("readonly");
        Mailbox.create(file, TestMailboxes.small()).close();
        try (Mailbox ro = Mailbox.openReadOnly(file)) {
            assertThat(ro.isReadOnly()).isTrue();
            assertThat(MailboxSnapshot.take(ro).freeSlots()).isEqualTo(64);
            assertThatThrownBy(() -> MailboxCaller.attach(ro, 0)).isInstanceOf(MailboxException.class);
            assertThatThrownBy(() -> MailboxCallee.attach(ro)).isInstanceOf(MailboxException.class);
            assertThatThrownBy(() -> ro.revoke(4097)).isInstanceOf(MailboxException.class);
        }
    }

    @Test
    void invalidGeometryIsRefusedBeforeAnyFileExists() {
        assertThatThrownBy(() -> new MailboxGeometry(0, 512, 1, 1)).hasMessageContaining("slot count");
        assertThatThrownBy(() -> new MailboxGeometry(5000, 512, 1, 1)).hasMessageContaining("slot count");
        assertThatThrownBy(() -> new MailboxGeometry(8, 300, 1, 1)).hasMessageContaining("slot size");
        assertThatThrownBy(() -> new MailboxGeometry(8, 512, 65, 1)).hasMessageContaining("max callers");
        assertThatThrownBy(() -> new MailboxGeometry(8, 512, 1, 0)).hasMessageContaining("max callees");
    }

    private void assertReason(MailboxFormatException.Reason reason) {
        assertThatThrownBy(() -> Mailbox.open(file)).isInstanceOfSatisfying(MailboxFormatException.class, e -> {
            assertThat(e.reason()).isEqualTo(reason);
            assertThat(e.getMessage()).contains(file.toString());
        });
    }
}
