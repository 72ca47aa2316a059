package io.sluice.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class AwaitTest {
    @Test
    void returnsOnceAConditionSetByAnotherThreadHolds() throws Exception {
        AtomicInteger asked = new AtomicInteger();
        Thread setter = Thread.ofPlatform().start(() -> asked.set(100));
        Await.until(60_000, () -> asked.get() >= 100);
        setter.join();
        assertThat(asked.get()).isEqualTo(100);
    }

    @Test
    void aConditionThatNeverHoldsFailsNamingWhatWasAwaitedAndWhatWasSeen() {
        AtomicInteger asked = new AtomicInteger();
        assertThatThrownBy(() -> Await.until(
                        "three replies",
                        50,
                        () -> asked.incrementAndGet() < 0,
                        () -> "asked " + asked.get() + " times"))
                .isInstanceOf(AssertionError.class)
                .hasMessageStartingWith("three replies not met within 50 ms: asked ")
                .hasMessageEndingWith(" times");
        assertThat(asked.get()).as("asked again after the deadline passed").isGreaterThanOrEqualTo(2);
    }

    @Test
    void anUnnamedConditionStillSaysWhatWasSeen() {
        assertThatThrownBy(() -> Await.until(50, () -> false, () -> "the link CONNECTING"))
                .isInstanceOf(AssertionError.class)
                .hasMessage("condition not met within 50 ms: the link CONNECTING");
    }

    @Test
    void withinSaysWhetherTheConditionHeldInsteadOfFailing() throws Exception {
        assertThat(Await.within(50, 5, () -> false)).isFalse();
        assertThat(Await.within(60_000, 5, () -> true)).isTrue();
    }
}
