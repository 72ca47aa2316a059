package io.sluice.common;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Several agents as one, driven by hand: order of start, turns and close, and the work added up. */
class CompositeAgentTest {
    @Test
    void turnsEveryAgentInOrderAddsTheirWorkAndClosesInReverse() {
        List<String> log = new ArrayList<>();
        CompositeAgent composite =
                new CompositeAgent("both", List.of(new Step("a", 2, log, false), new Step("b", 3, log, false)));
        composite.onStart();
        assertThat(composite.doWork(7)).isEqualTo(5);
        composite.onClose();
        assertThat(log).containsExactly("start a", "start b", "a at 7", "b at 7", "close b", "close a");
        assertThat(composite.roleName()).isEqualTo("both");
    }

    @Test
    void anAgentThatFailsToCloseDoesNotKeepTheOthersOpen() {
        List<String> log = new ArrayList<>();
        CompositeAgent composite =
                new CompositeAgent("both", List.of(new Step("a", 0, log, false), new Step("b", 0, log, true)));
        assertThatThrownBy(composite::onClose).hasMessage("b cannot close");
        assertThat(log).containsExactly("close b", "close a");
        assertThatThrownBy(() -> new CompositeAgent("none", List.of())).isInstanceOf(IllegalArgumentException.class);
    }

    private record Step(String name, int work, List<String> log, boolean failClose) implements Agent {
        @Override
        public int doWork(long nowMillis) {
            log.add(name + " at " + nowMillis);
            return work;
        }

        @Override
        public void onStart() {
            log.add("start " + name);
        }

        @Override
        public void onClose() {
            log.add("close " + name);
            if (failClose) {
                throw new IllegalStateException(name + " cannot close");
            }
        }

        @Override
        public String roleName() {
            return name;
        }
    }
}
