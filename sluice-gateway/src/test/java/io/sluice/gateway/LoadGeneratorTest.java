package io.sluice.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.gateway.load.LoadGenerator;
import java.io.RandomAccessFile;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The built-in load generator against a real gateway process. */
class LoadGeneratorTest {
    @TempDir
    Path dir;

    @Test
    void drivesAGatewayAtTheRequestedRateWithoutErrors() throws Exception {
        Path image = dir.resolve("load.img");
        try (RandomAccessFile file = new RandomAccessFile(image.toFile(), "rw")) {
            file.setLength(16 << 20);
        }
        try (GatewayProcess gateway = GatewayProcess.start(dir, "--unthrottled", "load=" + image)) {
            LoadGenerator.Result paced = LoadGenerator.run(new LoadGenerator.Spec(
                    gateway.uri("load"), LoadGenerator.Pattern.RANDRW, 4096, 4, 400, 2_000, 50, 1));
            assertThat(paced.errors()).isZero();
            assertThat(paced.iops()).isBetween(300.0, 440.0);
            assertThat(paced.p50Micros()).isPositive();

            LoadGenerator.Result flat = LoadGenerator.run(
                    new LoadGenerator.Spec(gateway.uri("load"), LoadGenerator.Pattern.WRITE, 65536, 8, 0, 1_000, 0, 2));
            assertThat(flat.errors()).isZero();
            assertThat(flat.ops()).isPositive();
            assertThat(flat.bytes()).isEqualTo(flat.ops() * 65536);
        }
    }
}
