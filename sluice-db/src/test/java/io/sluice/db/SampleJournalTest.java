package io.sluice.db;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.db.ingest.SampleJournal;
import io.sluice.db.store.SampleBatch;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SampleJournalTest {
    @TempDir
    Path dir;

    @Test
    void recordsSurviveReopenAndATornTailIsCutOff() throws Exception {
        Path file = dir.resolve("j/samples.journal");
        try (SampleJournal journal = SampleJournal.open(file, 1 << 20)) {
            journal.append(List.of(
                    SampleBatch.of(2, Batches.batch(1, 1, 1, 1000)), SampleBatch.of(3, Batches.batch(2, 1, 2, 2000))));
            journal.append(List.of(SampleBatch.of(2, Batches.batch(3, 1, 1, 3000))));
        }
        long whole;
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
            whole = channel.size();
            // A record that was being written when the process died: a header promising more than is there.
            channel.write(ByteBuffer.allocate(12).putInt(0, 400).putInt(4, 1234).putInt(8, 2), whole);
        }
        try (SampleJournal journal = SampleJournal.open(file, 1 << 20)) {
            assertThat(journal.records()).isEqualTo(3);
            assertThat(journal.samples()).isEqualTo(2 + 4 + 2);
            assertThat(journal.end()).isEqualTo(whole);
            SampleJournal.Chunk chunk = journal.read(0, 1);
            assertThat(chunk.batches()).hasSize(1);
            assertThat(chunk.batches().getFirst().batchId()).isEqualTo(1);
            SampleJournal.Chunk rest = journal.read(chunk.next(), 100);
            assertThat(rest.batches()).extracting(SampleBatch::source).containsExactly(3, 2);
            assertThat(rest.next()).isEqualTo(whole);
            journal.clear();
            assertThat(journal.isEmpty()).isTrue();
        }
    }

    @Test
    void aFlippedBitEndsTheJournalAtTheRecordBefore() throws Exception {
        Path file = dir.resolve("samples.journal");
        long first;
        try (SampleJournal journal = SampleJournal.open(file, 1 << 20)) {
            journal.append(List.of(SampleBatch.of(2, Batches.batch(1, 1, 1, 1000))));
            first = journal.end();
            journal.append(List.of(SampleBatch.of(2, Batches.batch(2, 1, 1, 2000))));
        }
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            ByteBuffer one = ByteBuffer.allocate(1);
            channel.read(one, first + 40);
            channel.write(ByteBuffer.wrap(new byte[] {(byte) (one.get(0) ^ 0x10)}), first + 40);
        }
        try (SampleJournal journal = SampleJournal.open(file, 1 << 20)) {
            assertThat(journal.records()).isEqualTo(1);
            assertThat(journal.end()).isEqualTo(first);
        }
    }

    @Test
    void refusesWhatWouldPassTheSizeLimit() throws Exception {
        try (SampleJournal journal = SampleJournal.open(dir.resolve("small.journal"), 500)) {
            List<SampleBatch> batch = List.of(SampleBatch.of(2, Batches.batch(1, 1, 1, 1000)));
            assertThat(journal.hasRoomFor(batch)).isTrue();
            journal.append(batch);
            assertThat(journal.hasRoomFor(batch)).isFalse();
        }
    }
}
