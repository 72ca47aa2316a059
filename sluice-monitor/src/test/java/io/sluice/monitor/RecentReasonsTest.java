package io.sluice.monitor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class RecentReasonsTest {
    @Test
    void keepsWhatWasRecordedOldestFirstUntilFull() {
        RecentReasons reasons = new RecentReasons(4);
        assertThat(reasons.oldestFirst()).isEmpty();
        assertThat(reasons.anyContains(""))
                .as("nothing recorded, nothing matches")
                .isFalse();
        reasons.add("end of stream");
        reasons.add("bad frame: OVERSIZE");
        assertThat(reasons.oldestFirst()).containsExactly("end of stream", "bad frame: OVERSIZE");
        assertThat(reasons.anyContains("OVERSIZE")).isTrue();
        assertThat(reasons.anyContains("revoked")).isFalse();
    }

    @Test
    void wrapsAroundKeepingTheNewestInOrder() {
        RecentReasons reasons = new RecentReasons(4);
        List<String> all = new ArrayList<>();
        for (int i = 1; i <= 11; i++) {
            reasons.add("close " + i);
            all.add("close " + i);
            assertThat(reasons.oldestFirst())
                    .as("after %d", i)
                    .containsExactlyElementsOf(all.subList(Math.max(0, i - 4), i));
        }
        assertThat(reasons.anyContains("close 8")).isTrue();
        assertThat(reasons.anyContains("close 7")).as("overwritten").isFalse();
    }

    @Test
    void theDaemonsRingKeepsSixtyFour() {
        RecentReasons reasons = new RecentReasons(MonitorDaemon.RECENT_CLOSE_REASONS);
        for (int i = 0; i < 1_000; i++) {
            reasons.add("reason " + i);
        }
        assertThat(reasons.oldestFirst()).hasSize(64).startsWith("reason 936").endsWith("reason 999");
    }

    @Test
    void aRingHoldsAtLeastOne() {
        assertThatThrownBy(() -> new RecentReasons(0)).isInstanceOf(IllegalArgumentException.class);
    }
}
