package io.sluice.server.supervisor;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.testkit.Await;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * When the supervisor restarts a role that exited, on the supervisor's clock: at once after a stable run, then backing
 * off while it keeps failing. The role here is {@code /usr/bin/true}, which exits as soon as it starts; the test's own
 * clock says how long each run lasted.
 */
class RoleProcessTest {
    @TempDir
    Path dir;

    private RoleProcess exitingAtOnce() {
        return new RoleProcess(
                new RoleSpec("db", List.of(), null, List.of()), dir.resolve("logs"), "/usr/bin/true", "");
    }

    private static void awaitExit(RoleProcess role) throws InterruptedException {
        Await.until("/usr/bin/true exits", 30_000, () -> !role.isAlive());
    }

    @Test
    void aRoleThatRanStablyIsRestartedAtTheSupervisorsNextStepWithNoBackOff() throws Exception {
        RoleProcess role = exitingAtOnce();
        role.start(0);
        awaitExit(role);
        long diedAt = 3_600_000;
        assertThat(role.noteExit(diedAt)).isTrue();
        assertThat(role.restartDue(diedAt))
                .as("killed after an hour of service: back at once")
                .isTrue();
        role.restart(diedAt);
        assertThat(role.restarts()).isEqualTo(1);
        awaitExit(role);
    }

    @Test
    void aRoleThatKeepsFailingBacksOffMoreEachTimeAndStartsOverOnceStable() throws Exception {
        RoleProcess role = exitingAtOnce();
        long now = 0;
        role.start(now);
        long[] expectedWaits = {0, 250, 500, 1_000, 2_000, 5_000, 5_000};
        for (long wait : expectedWaits) {
            awaitExit(role);
            now += 10;
            assertThat(role.noteExit(now)).isTrue();
            assertThat(role.noteExit(now)).as("one exit is noted once").isFalse();
            if (wait > 0) {
                assertThat(role.restartDue(now + wait - 1))
                        .as("still backing off %d ms", wait)
                        .isFalse();
            }
            now += wait;
            assertThat(role.restartDue(now)).isTrue();
            role.restart(now);
        }
        awaitExit(role);
        now += 60_000;
        role.noteExit(now);
        assertThat(role.restartDue(now))
                .as("a run of a minute counts as stable: the back-off starts over")
                .isTrue();
        role.restart(now);
        awaitExit(role);
        assertThat(role.restarts()).isEqualTo(expectedWaits.length + 1);
    }
}
