package io.sluice.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * fio's nbd engine against the gateway with {@code verify=crc32c}: every block written is read back and checked, so a
 * single misplaced, torn or stale reply fails the run.
 */
@Tag("system")
class FioTest {
    private static final int SIZE = 64 << 20;

    @TempDir
    static Path dir;

    static GatewayProcess gateway;

    @BeforeAll
    static void start() throws Exception {
        Tools.emptyFile(dir, "fio.img", SIZE);
        gateway = GatewayProcess.start(dir, "fio=" + dir.resolve("fio.img"));
    }

    @AfterAll
    static void stop() throws Exception {
        if (gateway != null) {
            gateway.close();
        }
    }

    @ParameterizedTest(name = "{0} bs={1} iodepth={2} jobs={3}")
    @CsvSource({
        "randwrite, 4k,       32, 1",
        "write,     128k,     8,  1",
        "randrw,    4k,       16, 1",
        "randwrite, 4k-64k,   16, 1",
        "randrw,    4k,       8,  4",
    })
    void verifiedIo(String pattern, String blockSize, int ioDepth, int jobs) throws Exception {
        Tools.require("fio");
        // Each job owns its slice of the export: verification of overlapping writers is meaningless.
        int slice = SIZE / jobs;
        List<String> command = new ArrayList<>(List.of(
                "fio",
                "--name=" + pattern,
                "--ioengine=nbd",
                "--verify_state_save=0",
                "--uri=" + gateway.uri("fio"),
                "--rw=" + pattern,
                "--iodepth=" + ioDepth,
                "--numjobs=" + jobs,
                "--size=" + slice,
                "--offset_increment=" + slice,
                "--verify=crc32c",
                "--verify_fatal=1",
                "--group_reporting"));
        command.add(blockSize.contains("-") ? "--bsrange=" + blockSize : "--bs=" + blockSize);
        if (!blockSize.contains("-")) {
            // A time-limited run rewrites blocks; fio's verify log keeps the latest of each block.
            command.addAll(List.of("--time_based", "--runtime=2"));
        }
        Tools.Result fio = Tools.run(60, command);
        assertThat(fio.exitCode()).as(fio.output()).isZero();
        assertThat(fio.output()).as(fio.output()).contains("err= 0").doesNotContain("verify:", "bad magic");
    }

    @Test
    void sequentialAndRandomReadsOfAPattern() throws Exception {
        Tools.require("fio");
        Tools.Result write = Tools.run(
                60,
                "fio",
                "--name=fill",
                "--ioengine=nbd",
                "--verify_state_save=0",
                "--uri=" + gateway.uri("fio"),
                "--rw=write",
                "--bs=1m",
                "--iodepth=4",
                "--size=" + SIZE,
                "--verify=crc32c",
                "--do_verify=0");
        assertThat(write.exitCode()).as(write.output()).isZero();
        for (String pattern : List.of("read", "randread")) {
            Tools.Result read = Tools.run(
                    60,
                    "fio",
                    "--name=check",
                    "--ioengine=nbd",
                    "--verify_state_save=0",
                    "--uri=" + gateway.uri("fio"),
                    "--rw=" + pattern,
                    "--bs=1m",
                    "--iodepth=8",
                    "--size=" + SIZE,
                    "--verify=crc32c",
                    "--verify_only",
                    "--verify_fatal=1");
            assertThat(read.exitCode()).as(read.output()).isZero();
            assertThat(read.output()).doesNotContain("verify:");
        }
    }
}
