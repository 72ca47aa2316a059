package io.sluice.gateway;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;

/** Runs the real NBD clients (libnbd tools, qemu-img, fio, nbdkit) that the tests talk to. */
final class Tools {
    record Result(int exitCode, String output) {
        boolean ok() {
            return exitCode == 0;
        }
    }

    private Tools() {}

    /** Skips the calling test, with the reason, when a tool is not installed. */
    static void require(String... tools) {
        for (String tool : tools) {
            assumeTrue(onPath(tool), tool + " is not installed (apt-get install fio nbdkit libnbd-bin qemu-utils)");
        }
    }

    static boolean onPath(String tool) {
        String path = System.getenv("PATH");
        if (path == null) {
            return false;
        }
        for (String dir : path.split(":")) {
            if (Files.isExecutable(Path.of(dir, tool))) {
                return true;
            }
        }
        return false;
    }

    /** Runs a command to completion (killed after {@code timeoutSeconds}); stdout and stderr together. */
    static Result run(int timeoutSeconds, List<String> command) throws IOException, InterruptedException {
        return run(timeoutSeconds, Map.of(), command);
    }

    /** As {@link #run(int, List)}, with {@code environment} added to this process's. */
    static Result run(int timeoutSeconds, Map<String, String> environment, List<String> command)
            throws IOException, InterruptedException {
        ProcessBuilder builder = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        builder.environment().putAll(environment);
        Process process = builder.start();
        byte[][] output = new byte[1][];
        Thread drain = Thread.ofPlatform().daemon().start(() -> {
            try {
                output[0] = process.getInputStream().readAllBytes();
            } catch (IOException e) {
                output[0] = new byte[0];
            }
        });
        if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            process.waitFor();
            drain.join();
            throw new AssertionError(command + " did not finish in " + timeoutSeconds + " s:\n"
                    + new String(output[0] == null ? new byte[0] : output[0], StandardCharsets.UTF_8));
        }
        drain.join();
        return new Result(process.exitValue(), new String(output[0], StandardCharsets.UTF_8));
    }

    static Result run(int timeoutSeconds, String... command) throws IOException, InterruptedException {
        return run(timeoutSeconds, List.of(command));
    }

    /** A file of {@code size} pseudo-random bytes, the same for the same seed. */
    static Path randomFile(Path dir, String name, int size, long seed) throws IOException {
        byte[] data = new byte[size];
        new Random(seed).nextBytes(data);
        return Files.write(dir.resolve(name), data);
    }

    /** A sparse file of {@code size} zero bytes. */
    static Path emptyFile(Path dir, String name, long size) throws IOException {
        Path file = dir.resolve(name);
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            channel.write(ByteBuffer.allocate(1), size - 1);
        }
        return file;
    }

    /** Overwrites {@code length} bytes at {@code offset} with zeroes, so copies see a run of zeroes. */
    static void zero(Path file, long offset, int length) throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
            channel.write(ByteBuffer.allocate(length), offset);
        }
    }
}
