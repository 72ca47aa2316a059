package io.sluice.sim.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class ErlangCTest {
    @Test
    void oneServerWaitsWithTheProbabilityThatItIsBusy() {
        for (double rho : new double[] {0, 0.1, 0.5, 0.75, 0.9, 0.98}) {
            assertThat(ErlangC.waitingProbability(1, rho)).isCloseTo(rho, within(1e-12));
            assertThat(ErlangC.meanSojournMicros(1, rho, 200)).isEqualTo(200 / (1 - rho));
        }
    }

    @Test
    void textbookCasesOfSeveralServers() {
        // Two servers at half load: P0 = 1/3, P_wait = 1/3.
        assertThat(ErlangC.waitingProbability(2, 0.5)).isCloseTo(1.0 / 3, within(1e-12));
        // Three servers, lambda = 2, mu = 1: P_wait = 4/9, mean wait 4/9 of a service time, in the system 13/9.
        assertThat(ErlangC.waitingProbability(3, 2.0 / 3)).isCloseTo(4.0 / 9, within(1e-12));
        assertThat(ErlangC.meanSojournMicros(3, 2.0 / 3, 1_000)).isCloseTo(13_000.0 / 9, within(1e-9));
    }

    @Test
    void agreesWithTheClosedFormSumForTwentyServers() {
        for (double rho : new double[] {0.5, 0.8, 0.9, 0.95, 0.98}) {
            assertThat(ErlangC.waitingProbability(20, rho)).isCloseTo(closedForm(20, rho), within(1e-12));
        }
    }

    @Test
    void manyServersKeepLatencyNearOneServiceTimeUntilNearlyAllAreBusy() {
        assertThat(ErlangC.meanSojournMicros(20, 0.9, 200)).isLessThan(1.3 * 200);
        assertThat(ErlangC.meanSojournMicros(1, 0.9, 200)).isEqualTo(200 / (1 - 0.9));
        double previous = Double.MAX_VALUE;
        for (int servers = 1; servers <= 64; servers *= 2) {
            double sojourn = ErlangC.meanSojournMicros(servers, 0.9, 200);
            assertThat(sojourn).isLessThan(previous).isGreaterThan(200);
            previous = sojourn;
        }
    }

    /** The textbook form: (a^c / c!) / (1 - rho) over the sum of a^k / k! for k < c plus that term. */
    private static double closedForm(int c, double rho) {
        double a = c * rho;
        double term = 1;
        double sum = 0;
        for (int k = 0; k < c; k++) {
            sum += term;
            term *= a / (k + 1);
        }
        double waiting = term / (1 - rho);
        return waiting / (sum + waiting);
    }
}
