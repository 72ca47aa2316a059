package io.sluice.sim.storage;

/**
 * The M/M/c queue: one FIFO queue in front of {@code c} identical servers, Poisson arrivals, exponential service. What
 * a device that serves many requests at once (an SSD's channels, an array's disks) looks like from outside: latency
 * stays near one service time until nearly every server is busy.
 */
final class ErlangC {
    private ErlangC() {}

    /**
     * Erlang C: the probability that an arriving request finds all {@code servers} busy and waits. Computed through the
     * Erlang B recursion, B(k) = a B(k-1) / (k + a B(k-1)), which stays within range for any number of servers where
     * the textbook sum of a^k / k! overflows.
     *
     * @param utilisation arrival rate over total service rate, in [0, 1)
     */
    static double waitingProbability(int servers, double utilisation) {
        double offered = servers * utilisation;
        double blocking = 1;
        for (int k = 1; k <= servers; k++) {
            blocking = offered * blocking / (k + offered * blocking);
        }
        return servers * blocking / (servers - offered * (1 - blocking));
    }

    /**
     * Mean time in the system, queueing and service: one service time plus the mean wait, P_wait / (c mu - lambda),
     * which is P_wait / (c (1 - rho)) service times.
     *
     * @param serviceMicros one server's mean service time, the latency of an idle device
     * @param utilisation arrival rate over total service rate, in [0, 1)
     */
    static double meanSojournMicros(int servers, double utilisation, double serviceMicros) {
        if (servers == 1) {
            // M/M/1's closed form (Erlang C is rho for one server), kept so the one-server figures stay bit for bit.
            return serviceMicros / (1 - utilisation);
        }
        return serviceMicros * (1 + waitingProbability(servers, utilisation) / (servers * (1 - utilisation)));
    }
}
