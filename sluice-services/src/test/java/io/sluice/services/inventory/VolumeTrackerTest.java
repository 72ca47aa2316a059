package io.sluice.services.inventory;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The tracker on times given by hand: its limit, announcements that drop volumes, and expiry. */
class VolumeTrackerTest {
    private static final long T0 = 1_700_000_000_000L;
    private final List<String> evicted = new ArrayList<>();
    private final VolumeTracker.Eviction record =
            (gateway, volume, last) -> evicted.add(gateway + "/" + volume + (last ? " last" : ""));

    @Test
    void aVolumeNewToAFullTrackerIsRefusedAndCountedUnlessAnOperatorConfiguredIt() {
        VolumeTracker tracker = new VolumeTracker(2, 60_000);
        assertThat(tracker.admit(1, 10, T0, false)).isTrue();
        assertThat(tracker.admit(1, 11, T0, false)).isTrue();
        assertThat(tracker.full()).isTrue();
        assertThat(tracker.admit(1, 12, T0, false)).isFalse();
        assertThat(tracker.admit(2, 13, T0, false)).isFalse();
        assertThat(tracker.refused()).isEqualTo(2);
        assertThat(tracker.tracks(12)).isFalse();
        // Volumes already tracked keep reporting, from any gateway; a configured one is always kept.
        assertThat(tracker.admit(1, 10, T0 + 1, false)).isTrue();
        assertThat(tracker.admit(2, 11, T0 + 1, false)).isTrue();
        assertThat(tracker.admit(1, 99, T0, true)).isTrue();
        assertThat(tracker.tracked()).isEqualTo(3);
        assertThat(tracker.refused()).isEqualTo(2);
    }

    @Test
    void anAnnouncementWithoutAVolumeEvictsItForThatGatewayOnly() {
        VolumeTracker tracker = new VolumeTracker(100, 60_000);
        tracker.announcementBegins(1);
        for (int volume : new int[] {10, 11, 12}) {
            tracker.admit(1, volume, T0, false);
        }
        tracker.announcementEnds(1, record);
        tracker.admit(2, 12, T0, false);
        assertThat(evicted).isEmpty();

        // The gateway comes back serving 10 only, its announcement in two parts.
        tracker.announcementBegins(1);
        tracker.admit(1, 10, T0 + 5_000, false);
        assertThat(evicted).isEmpty();
        tracker.announcementEnds(1, record);
        assertThat(evicted).containsExactlyInAnyOrder("1/11 last", "1/12");
        assertThat(tracker.tracked()).isEqualTo(2);
        assertThat(tracker.gatewaysOf(12)).containsExactly(2L);
        assertThat(tracker.evicted()).isEqualTo(2);

        // An end without its beginning (a part lost) evicts nothing.
        tracker.announcementEnds(1, record);
        assertThat(tracker.evicted()).isEqualTo(2);
    }

    @Test
    void aPairSilentForTheExpiryIsEvictedAndAVolumeThatComesBackIsAdmittedAfresh() {
        VolumeTracker tracker = new VolumeTracker(1, 600_000);
        tracker.admit(1, 10, T0, false);
        tracker.admit(2, 10, T0, false);
        tracker.admit(2, 10, T0 + 300_000, false);
        assertThat(tracker.expire(T0 + 599_999, record)).isZero();
        assertThat(tracker.expire(T0 + 600_000, record)).isEqualTo(1);
        assertThat(evicted).containsExactly("1/10");
        assertThat(tracker.full()).isTrue();
        assertThat(tracker.expire(T0 + 900_000, record)).isEqualTo(1);
        assertThat(evicted).containsExactly("1/10", "2/10 last");
        assertThat(tracker.tracked()).isZero();
        assertThat(tracker.full()).isFalse();

        assertThat(tracker.admit(3, 11, T0 + 900_001, false)).isTrue();
        assertThat(tracker.admit(1, 10, T0 + 900_001, false)).isFalse();
        tracker.expire(T0 + 1_500_001, record);
        assertThat(tracker.admit(1, 10, T0 + 1_500_001, false)).isTrue();
        assertThat(tracker.gatewaysOf(10)).containsExactly(1L);
    }
}
