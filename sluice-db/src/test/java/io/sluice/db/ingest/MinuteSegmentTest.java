package io.sluice.db.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.db.Batches;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A minute's journal segment: private files, a torn tail cut, damage before the end a typed error. */
class MinuteSegmentTest {
    private static final long MINUTE = 1_790_000_040_000L / 60_000 * 60_000;

    @TempDir
    Path dir;

    @Test
    void recordsComeBackInOrderFromAPrivateFile() throws Exception {
        Path journal = dir.resolve("minutes");
        try (MinuteSegment segment = MinuteSegment.create(journal, MINUTE, 0)) {
            segment.append(3, Batches.batch(1, 1, 2, MINUTE));
            segment.append(4, Batches.batch(2, 1, 2, MINUTE + 1000));
            segment.force();
        }
        Path file = MinuteSegment.file(journal, MINUTE, 0);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file)))
                .isEqualTo("rw-------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(journal)))
                .isEqualTo("rwx------");
        var records = MinuteSegment.read(file);
        assertThat(records).extracting(MinuteSegment.Record::source).containsExactly(3, 4);
        assertThat(records.get(1).batch()).isEqualTo(Batches.batch(2, 1, 2, MINUTE + 1000));
    }

    @Test
    void aTornLastRecordOrZerosToTheEndAreCut() throws Exception {
        Path file = threeRecords();
        long intact = Files.size(file);
        byte[] bytes = Files.readAllBytes(file);
        // The last record's body half written: it fails its CRC and ends the file.
        Files.write(file, Arrays.copyOf(bytes, bytes.length - 20));
        byte[] garbage = new byte[20];
        Arrays.fill(garbage, (byte) 0x5A);
        Files.write(file, garbage, StandardOpenOption.APPEND);
        assertThat(MinuteSegment.read(file)).hasSize(2);
        assertThat(Files.size(file)).isLessThan(intact);

        Path zeros = threeRecords();
        Files.write(zeros, new byte[4096], StandardOpenOption.APPEND);
        assertThat(MinuteSegment.read(zeros)).hasSize(3);
        assertThat(Files.size(zeros)).isEqualTo(intact);
    }

    @Test
    void damageBeforeTheLastRecordIsACorruptJournalWithTheRecordsBeforeIt() throws Exception {
        Path file = threeRecords();
        byte[] bytes = Files.readAllBytes(file);
        int firstRecord = 12 + Batches.batch(1, 1, 2, MINUTE).length;
        bytes[firstRecord + 12 + 40] ^= 0x01;
        Files.write(file, bytes);
        byte[] damaged = bytes;

        assertThatThrownBy(() -> MinuteSegment.read(file)).isInstanceOfSatisfying(CorruptJournalException.class, e -> {
            assertThat(e.file()).isEqualTo(file);
            assertThat(e.position()).isEqualTo(firstRecord);
            assertThat(e.intact()).hasSize(1);
        });
        assertThat(Files.readAllBytes(file)).as("left as it was").isEqualTo(damaged);
    }

    private Path threeRecords() throws Exception {
        Path journal = Files.createTempDirectory(dir, "minutes");
        try (MinuteSegment segment = MinuteSegment.create(journal, MINUTE, 0)) {
            segment.append(3, Batches.batch(1, 1, 2, MINUTE));
            segment.append(3, Batches.batch(2, 1, 2, MINUTE + 1000));
            segment.append(3, Batches.batch(3, 1, 2, MINUTE + 2000));
            segment.force();
        }
        return MinuteSegment.file(journal, MINUTE, 0);
    }
}
