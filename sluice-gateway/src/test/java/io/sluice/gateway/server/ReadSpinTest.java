package io.sluice.gateway.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ReadSpinTest {
    @Test
    void aConnectionWhoseSpinsFindRequestsSpinsInEveryWait() {
        ReadSpin spin = new ReadSpin();
        for (int i = 0; i < 100; i++) {
            assertThat(spin.mayTry()).isTrue();
            spin.found();
        }
    }

    /** Waits the connection skips before it may spin again. */
    private static int skippedWaits(ReadSpin spin) {
        int waits = 0;
        while (!spin.mayTry()) {
            waits++;
        }
        return waits;
    }

    @Test
    void vainSpinsInARowSkipOneTwoFourWaitsUpToTheCeiling() {
        ReadSpin spin = new ReadSpin();
        List<Integer> skipped = new ArrayList<>();
        for (int vain = 0; vain < 9; vain++) {
            skipped.add(skippedWaits(spin));
            spin.vain();
        }
        assertThat(skipped).containsExactly(0, 1, 2, 4, 8, 16, 32, ReadSpin.MAX_SKIP, ReadSpin.MAX_SKIP);
    }

    @Test
    void aSpinThatFindsARequestEndsTheBackOff() {
        ReadSpin spin = new ReadSpin();
        for (int vain = 0; vain < 10; vain++) {
            skippedWaits(spin);
            spin.vain();
        }
        assertThat(skippedWaits(spin)).isEqualTo(ReadSpin.MAX_SKIP);

        spin.found();
        spin.vain();
        assertThat(skippedWaits(spin))
                .as("after a find, a vain spin skips one wait")
                .isEqualTo(1);
    }

    @Test
    void atMostTheCoresButOneSpinAtOnce() {
        List<Boolean> entered = new ArrayList<>();
        try {
            for (int i = 0; i < ReadSpin.MAX_SPINNERS; i++) {
                entered.add(ReadSpin.enter());
            }
            assertThat(entered).containsOnly(true);
            assertThat(ReadSpin.enter()).as("one place too many").isFalse();
            ReadSpin.exit();
            entered.removeLast();
            assertThat(ReadSpin.enter()).as("a place given back is taken again").isTrue();
            entered.add(true);
        } finally {
            entered.forEach(placeTaken -> ReadSpin.exit());
        }
    }
}
