package io.sluice.monitor;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.protocol.VolumeDescriptor;
import io.sluice.protocol.VolumeIdsDescriptor;
import io.sluice.protocol.VolumesReader;
import io.sluice.protocol.VolumesWriter;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class VolumeIdentitiesTest {
    private static final VolumeIdentities.SharedBindings EVERY_GATEWAY = (gateway, name) -> true;

    @TempDir
    Path dir;

    /** VOLUMES of gateway {@code gatewayId} whose volume i is called names[i] and proposes id proposals[i]. */
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
    void twoHostsWithTheSameDefaultIdsGetDistinctIdsAndKeepThemAcrossRestarts() throws Exception {
        Path file = dir.resolve("volumes.identities");
        VolumeIdentities ids = new VolumeIdentities(file);
        assertThat(ids.assign(12, hello(12, new int[] {1, 2}, "disk1", "disk2"), EVERY_GATEWAY))
                .containsExactly(1, 2);
        // Another host's first disk, also proposing 1: a volume of its own, not a share of host 12's.
        assertThat(ids.assign(13, hello(13, new int[] {1, 2}, "disk1", "disk2"), EVERY_GATEWAY))
                .containsExactly(3, 4);
        // The same gateway reconnecting, even proposing other ids, keeps its volumes' ids.
        assertThat(ids.assign(12, hello(12, new int[] {7, 8}, "disk2", "disk1"), EVERY_GATEWAY))
                .containsExactly(2, 1);

        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file)))
                .isEqualTo("rw-------");
        VolumeIdentities restarted = new VolumeIdentities(file);
        assertThat(restarted.assign(13, hello(13, new int[] {1, 2}, "disk1", "disk2"), EVERY_GATEWAY))
                .containsExactly(3, 4);
        assertThat(restarted.assign(14, hello(14, new int[] {0}, "disk1"), EVERY_GATEWAY))
                .containsExactly(5);
    }

    @Test
    void aVolumeFlaggedSharedIsOneVolumeWhateverGatewayServesIt() {
        VolumeIdentities ids = new VolumeIdentities(null);
        int[] shared = {VolumeDescriptor.FLAG_SHARED, 0};
        assertThat(ids.assign(1, hello(1, new int[] {100, 1}, shared, "lun 7", "boot"), EVERY_GATEWAY))
                .containsExactly(100, 1);
        assertThat(ids.assign(2, hello(2, new int[] {200, 1}, shared, "lun 7", "boot"), EVERY_GATEWAY))
                .containsExactly(100, 101);
    }

    @Test
    void aProposalAtTheTopOfTheRangeDoesNotStopAssignment() {
        VolumeIdentities ids = new VolumeIdentities(null);
        assertThat(ids.assign(1, hello(1, new int[] {Integer.MAX_VALUE, 1}, "a", "b"), EVERY_GATEWAY))
                .containsExactly(Integer.MAX_VALUE, 1);
        assertThat(ids.assign(2, hello(2, new int[] {1}, "a"), EVERY_GATEWAY)).containsExactly(2);
    }

    @Test
    void anUnreadableFileIsMovedAsideAndIdsAreGivenAfresh() throws Exception {
        Path file = dir.resolve("volumes.identities");
        Files.writeString(file, VolumeIdentities.HEADER + "\n1 12 disk1\nnot a line\n", StandardCharsets.UTF_8);
        VolumeIdentities ids = new VolumeIdentities(file);
        assertThat(ids.assign(12, hello(12, new int[] {5}, "disk1"), EVERY_GATEWAY))
                .containsExactly(5);
        try (var listing = Files.list(dir)) {
            assertThat(listing.map(p -> p.getFileName().toString()))
                    .anyMatch(n -> n.startsWith("volumes.identities.unreadable-"));
        }
        assertThat(Files.readAllLines(file)).containsExactly(VolumeIdentities.HEADER, "5 12 disk1");
    }

    @Test
    void namesWithSpacesAndSlashesSurviveTheFile() {
        Path file = dir.resolve("volumes.identities");
        new VolumeIdentities(file).assign(3, hello(3, new int[] {9}, "pool/a b"), EVERY_GATEWAY);
        assertThat(new VolumeIdentities(file).assign(3, hello(3, new int[] {1}, "pool/a b"), EVERY_GATEWAY))
                .containsExactly(9);
    }

    @Test
    void aGatewayRenamingItsVolumesAtEverySessionRunsOutOfNamesAndOthersDoNot() {
        VolumeIdentities ids = new VolumeIdentities(null, 4, 7);
        assertThat(ids.assign(1, hello(1, new int[] {0, 0}, "a", "b"), EVERY_GATEWAY))
                .hasSize(2);
        assertThat(ids.assign(1, hello(1, new int[] {0, 0}, "c", "d"), EVERY_GATEWAY))
                .hasSize(2);
        assertThat(ids.assign(1, hello(1, new int[] {0}, "e"), EVERY_GATEWAY))
                .as("a fifth name of gateway 1")
                .isNull();
        assertThat(ids.assign(1, hello(1, new int[] {0, 0}, "a", "d"), EVERY_GATEWAY))
                .as("names it has already")
                .hasSize(2);
        assertThat(ids.assign(2, hello(2, new int[] {0, 0}, "a", "b"), EVERY_GATEWAY))
                .hasSize(2);
    }

    @Test
    void allNamesTogetherSharedOnesIncludedAreCappedAndARefusedFrameAssignsNothing() {
        VolumeIdentities ids = new VolumeIdentities(null, 100, 3);
        int[] shared = {VolumeDescriptor.FLAG_SHARED, VolumeDescriptor.FLAG_SHARED};
        assertThat(ids.assign(1, hello(1, new int[] {0, 0}, shared, "lun1", "lun2"), EVERY_GATEWAY))
                .hasSize(2);
        assertThat(ids.assign(2, hello(2, new int[] {0, 0}, "own", "other"), EVERY_GATEWAY))
                .as("two new names, one place left")
                .isNull();
        assertThat(ids.assign(2, hello(2, new int[] {0}, "own"), EVERY_GATEWAY)).containsExactly(3);
        assertThat(ids.assign(3, hello(3, new int[] {0, 0}, shared, "lun1", "lun2"), EVERY_GATEWAY))
                .as("shared names known already")
                .containsExactly(1, 2);
    }

    @Test
    void aSharedVolumeIsRefusedToAGatewayNotBoundToItAndLeavesNoNameBehind() throws Exception {
        Path file = dir.resolve("volumes.identities");
        VolumeIdentities ids = new VolumeIdentities(file);
        VolumeIdentities.SharedBindings onlyGateway1 = (gateway, name) -> gateway == 1 && name.equals("lun 7");
        int[] shared = {VolumeDescriptor.FLAG_SHARED, 0};
        assertThat(ids.assign(2, hello(2, new int[] {100, 1}, shared, "lun 7", "boot"), onlyGateway1))
                .as("not bound: refused, its own volume served")
                .containsExactly(VolumeIdsDescriptor.REFUSED, 1);
        assertThat(ids.assign(1, hello(1, new int[] {200, 2}, shared, "lun 7", "boot"), onlyGateway1))
                .containsExactly(200, 2);
        assertThat(ids.assign(3, hello(3, new int[] {0, 0}, shared, "lun 7", "own"), onlyGateway1))
                .as("the shared volume exists now, but gateway 3 is not bound to it either")
                .containsExactly(VolumeIdsDescriptor.REFUSED, 201);
        // The refusals left no name behind: the only shared line is the bound gateway's.
        assertThat(Files.readAllLines(file))
                .containsExactly(VolumeIdentities.HEADER, "1 2 boot", "200 * lun+7", "2 1 boot", "201 3 own");
    }
}
