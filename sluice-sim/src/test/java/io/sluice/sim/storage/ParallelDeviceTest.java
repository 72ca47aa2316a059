package io.sluice.sim.storage;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

class ParallelDeviceTest {
    @Test
    void oneServerIsTheDefaultDevice() {
        SimulatedBackend byDefault = loaded(new SimulatedBackend(10_000, 200, 7), 9_000);
        SimulatedBackend oneServer = loaded(new SimulatedBackend(10_000, 200, 7).servers(1), 9_000);
        assertThat(oneServer.volume(1).history()).isEqualTo(byDefault.volume(1).history());
    }

    @Test
    void aParallelDeviceStaysNearItsUnloadedLatencyAtNinetyPercent() {
        double fifo = loaded(new SimulatedBackend(10_000, 200, 7), 9_000)
                .volume(1)
                .last()
                .meanLatencyMicros();
        double parallel = loaded(
                        new SimulatedBackend(100_000, 200, 7).servers(20).jitter(0), 90_000)
                .volume(1)
                .last()
                .meanLatencyMicros();
        assertThat(fifo).isGreaterThan(1_500);
        assertThat(parallel).isEqualTo(ErlangC.meanSojournMicros(20, 0.9, 200)).isLessThan(260);
    }

    @Test
    void aParallelDeviceOverloadedQueuesAsTheFifoOneDoes() {
        SimulatedBackend parallel = loaded(new SimulatedBackend(100_000, 200, 7).servers(20), 400_000);
        assertThat(parallel.volume(1).last().delivered()).isBetween(99_000.0, 100_000.0);
        assertThat(parallel.volume(1).last().p95Micros()).isGreaterThan(100_000);
    }

    private static SimulatedBackend loaded(SimulatedBackend backend, double demand) {
        backend.addVolume(1, 0.7, 4096, Map.of(11L, 1.0)).demand(demand);
        for (int i = 0; i < 10; i++) {
            backend.step(1_700_000_000_000L + i * 1_000L, 1_000);
        }
        return backend;
    }
}
