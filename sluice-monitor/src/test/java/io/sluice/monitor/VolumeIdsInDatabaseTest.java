package io.sluice.monitor;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.common.EpochClock;
import io.sluice.mailbox.ServerMailboxes;
import io.sluice.protocol.VolumeDescriptor;
import io.sluice.protocol.VolumesReader;
import io.sluice.protocol.VolumesWriter;
import io.sluice.testkit.Await;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The volume ids kept in the database, through the database manager's mailbox (here a {@link FakeAdmissionDb} serving
 * the {@code volumeid.*} ops; the real ops are tested on H2 and PostgreSQL in sluice-db's VolumeIdentityContract): two
 * monitors sharing the database give a volume one id, as after a takeover; an old file is imported once and renamed; no
 * id is made up while the database cannot be asked.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class VolumeIdsInDatabaseTest {
    private static final VolumeIdentities.SharedBindings EVERY_GATEWAY = (gateway, name) -> true;
    /** Generous: on a loaded machine the database manager's answer can take seconds; no test here waits it out. */
    private static final long TIMEOUT_MILLIS = 10_000;

    @TempDir
    Path dir;

    private FakeAdmissionDb db;
    private final List<AutoCloseable> opened = new ArrayList<>();

    @BeforeEach
    void startDb() {
        db = new FakeAdmissionDb();
    }

    @AfterEach
    void stop() throws Exception {
        for (AutoCloseable closeable : opened.reversed()) {
            closeable.close();
        }
        db.close();
    }

    private Path file() {
        return dir.resolve("monitor").resolve("volumes.identities");
    }

    /** A monitor's ids, each monitor with its own link (caller index) to the one database manager. */
    private VolumeIdentities monitor(int callerIndex) {
        AdmissionLink link =
                new AdmissionLink(new RegistryDatabase(db.file, callerIndex, TIMEOUT_MILLIS), EpochClock.system());
        opened.add(link);
        return new VolumeIdentities(file(), 100, 1000, link);
    }

    private static VolumesReader hello(long gatewayId, int[] proposals, int[] flags, String... names) {
        ByteBuffer frame = ByteBuffer.allocate(1 << 16);
        VolumesWriter writer = new VolumesWriter();
        writer.begin(frame, 1, gatewayId, names.length);
        for (int i = 0; i < names.length; i++) {
            writer.volume(i, proposals[i], flags == null ? 0 : flags[i], 1L << 30, names[i]);
        }
        writer.commit();
        return new VolumesReader().wrap(frame, 0);
    }

    private static VolumesReader hello(long gatewayId, int[] proposals, String... names) {
        return hello(gatewayId, proposals, null, names);
    }

    @Test
    void twoMonitorsSharingTheDatabaseGiveAVolumeOneId() {
        VolumeIdentities active = monitor(ServerMailboxes.CALLER_MONITOR);
        VolumeIdentities standby = monitor(ServerMailboxes.CALLER_MONITOR + 1);
        int shared = VolumeDescriptor.FLAG_SHARED;
        assertThat(active.assign(
                        1,
                        hello(1, new int[] {3, 3, 0}, new int[] {0, 0, shared}, "disk1", "disk2", "lun7"),
                        EVERY_GATEWAY))
                .containsExactly(3, 4, 5);
        // The standby read the database at its first registration, after the active had assigned: the same ids,
        // whatever the gateway proposes now.
        assertThat(standby.assign(1, hello(1, new int[] {9, 9}, "disk2", "disk1"), EVERY_GATEWAY))
                .containsExactly(4, 3);
        // A name the standby assigns is the active's too, once it is new to the active's cache.
        assertThat(standby.assign(2, hello(2, new int[] {3, 0}, new int[] {0, shared}, "disk1", "lun7"), EVERY_GATEWAY))
                .containsExactly(6, 5);
        assertThat(active.assign(2, hello(2, new int[] {1, 0}, new int[] {0, shared}, "disk1", "lun7"), EVERY_GATEWAY))
                .containsExactly(6, 5);
        assertThat(file()).as("nothing written to the host's file").doesNotExist();
    }

    @Test
    void anOldFileIsImportedOnceAndRenamed() throws IOException {
        Files.createDirectories(file().getParent());
        Files.writeString(file(), VolumeIdentities.HEADER + "\n4 1 disk1\n9 * lun%207\n", StandardCharsets.UTF_8);
        VolumeIdentities ids = monitor(ServerMailboxes.CALLER_MONITOR);
        assertThat(ids.assign(1, hello(1, new int[] {1, 4}, "disk1", "disk2"), EVERY_GATEWAY))
                .as("disk1 keeps the file's id; disk2 may not take 4")
                .containsExactly(4, 10);
        assertThat(db.volumeIds).containsEntry("1 disk1", 4).containsEntry("* lun 7", 9);
        assertThat(file()).doesNotExist();
        try (Stream<Path> files = Files.list(file().getParent())) {
            assertThat(files.map(p -> p.getFileName().toString()))
                    .anyMatch(name -> name.startsWith("volumes.identities.imported-"));
        }
    }

    @Test
    void noIdIsMadeUpWhileTheDatabaseCannotBeAsked() throws InterruptedException {
        db.mode = FakeAdmissionDb.Mode.UNAVAILABLE;
        VolumeIdentities ids = monitor(ServerMailboxes.CALLER_MONITOR);
        assertThat(ids.assign(1, hello(1, new int[] {1}, "disk1"), EVERY_GATEWAY))
                .as("not read yet: fail-closed")
                .isSameAs(VolumeIdentities.DATABASE_AWAY);
        db.mode = FakeAdmissionDb.Mode.ANSWER;
        // Read again at a registration after the retry interval.
        Await.until(
                20_000,
                () -> ids.assign(1, hello(1, new int[] {1}, "disk1"), EVERY_GATEWAY) != VolumeIdentities.DATABASE_AWAY);
        assertThat(ids.assign(1, hello(1, new int[] {1}, "disk1"), EVERY_GATEWAY))
                .containsExactly(1);

        db.mode = FakeAdmissionDb.Mode.UNAVAILABLE;
        assertThat(ids.assign(1, hello(1, new int[] {1}, "disk1"), EVERY_GATEWAY))
                .as("a cached name keeps its id while the database is away")
                .containsExactly(1);
        assertThat(ids.assign(1, hello(1, new int[] {1, 2}, "disk1", "disk2"), EVERY_GATEWAY))
                .as("a new name gets none, and not as a cap")
                .isSameAs(VolumeIdentities.DATABASE_AWAY);
        assertThat(db.volumeIds).doesNotContainKey("1 disk2");
    }
}
