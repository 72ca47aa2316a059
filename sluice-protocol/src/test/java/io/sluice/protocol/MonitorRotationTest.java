package io.sluice.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetSocketAddress;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The monitor list a gateway tries in turn, redirects from standbys, and the epoch fence. */
class MonitorRotationTest {
    private static final InetSocketAddress A = MonitorAddress.parse("monitor-a:7070");
    private static final InetSocketAddress B = MonitorAddress.parse("monitor-b:7070");
    private static final InetSocketAddress C = MonitorAddress.parse("monitor-c:7070");
    private static final InetSocketAddress ACTIVE = MonitorAddress.parse("10.0.0.9:7070");

    @Test
    void failuresMoveOnThroughTheListAndWrapAround() {
        MonitorRotation rotation = new MonitorRotation(List.of(A, B, C));
        assertThat(rotation.current()).isEqualTo(A);
        rotation.failed();
        assertThat(rotation.current()).isEqualTo(B);
        rotation.failed();
        rotation.failed();
        assertThat(rotation.current()).isEqualTo(A);
    }

    @Test
    void aStandbyNamingTheActiveSendsTheGatewayThereNextAndOnlyOnce() {
        MonitorRotation rotation = new MonitorRotation(List.of(A, B, C));
        assertThat(rotation.redirect(ACTIVE))
                .as("the first redirect is followed at once")
                .isTrue();
        assertThat(rotation.current()).isEqualTo(ACTIVE);
        rotation.opened();
        assertThat(rotation.current()).as("a session there keeps it").isEqualTo(ACTIVE);
        // The session breaks: on to the monitor after the standby that redirected, not back to the list's start.
        rotation.failed();
        assertThat(rotation.current()).isEqualTo(B);
    }

    @Test
    void standbysNamingEachOtherWaitTheBackOffAfterTheFirstHop() {
        MonitorRotation rotation = new MonitorRotation(List.of(A, B));
        assertThat(rotation.redirect(B)).isTrue();
        assertThat(rotation.redirect(A)).isFalse();
        assertThat(rotation.redirect(B)).isFalse();
        assertThat(rotation.current()).isEqualTo(B);
        rotation.opened();
        assertThat(rotation.redirect(A)).as("a session ended the row").isTrue();
        rotation.failed();
        assertThat(rotation.redirect(A)).as("so does a failure").isTrue();
    }

    @Test
    void standbysSendingTheGatewayRoundInACircleCannotKeepItFromTheRestOfItsList() {
        MonitorRotation rotation = new MonitorRotation(List.of(A, B, C));
        // A names itself (or a standby that names A again): after a few hops the list goes on, to B.
        for (int hop = 0; hop < MonitorRotation.MAX_REDIRECTS_IN_A_ROW; hop++) {
            rotation.redirect(A);
            assertThat(rotation.current()).isEqualTo(A);
        }
        assertThat(rotation.redirect(A)).isFalse();
        assertThat(rotation.current()).isEqualTo(B);
    }

    @Test
    void aSingleMonitorIsAlwaysTheOne() {
        MonitorRotation rotation = new MonitorRotation(List.of(A));
        rotation.failed();
        assertThat(rotation.current()).isEqualTo(A);
        assertThatThrownBy(() -> new MonitorRotation(List.of())).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void theFenceAdmitsTheNewestEpochSeenAndNewerOnly() {
        EpochFence fence = new EpochFence();
        assertThat(fence.highest()).isZero();
        assertThat(fence.admit(0)).as("a server not in a pair").isTrue();
        assertThat(fence.admit(6)).isTrue();
        assertThat(fence.admit(6)).as("the same active again").isTrue();
        assertThat(fence.admit(5)).as("a server that lost its lease").isFalse();
        assertThat(fence.admit(0)).isFalse();
        assertThat(fence.highest()).isEqualTo(6);
        assertThat(fence.admit(Long.MAX_VALUE)).isTrue();
        assertThat(fence.admit(6)).isFalse();
    }

    @Test
    void addressesParseAsPeopleWriteThem() {
        assertThat(MonitorAddress.parse("sla.example:7070"))
                .isEqualTo(InetSocketAddress.createUnresolved("sla.example", 7070));
        assertThat(MonitorAddress.parse("[fd00::1]:1").getHostString()).isEqualTo("fd00::1");
        assertThat(MonitorAddress.format(MonitorAddress.parse("[fd00::1]:1"))).isEqualTo("[fd00::1]:1");
        assertThat(MonitorAddress.format(MonitorAddress.parse("127.0.0.1:65535")))
                .isEqualTo("127.0.0.1:65535");
        for (String bad : new String[] {
            "",
            "sla.example",
            "sla.example:",
            ":7070",
            "fd00::1:7070",
            "[fd00::1:7070",
            "sla.example:0",
            "sla.example:65536",
            "sla.example:+80",
            "sla example:7070",
            "x:" + "1".repeat(300)
        }) {
            assertThatThrownBy(() -> MonitorAddress.parse(bad))
                    .as(bad)
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("monitor address");
        }
    }
}
