package io.sluice.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The gateway as a real separate process on a free loopback port, as an operator would run it. */
final class GatewayProcess implements AutoCloseable {
    private static final Pattern LISTENING = Pattern.compile("sluice-gateway listening on (.+):(\\d+)");

    private final Process process;
    private final Path stderr;
    private final int port;

    private GatewayProcess(Process process, Path stderr, int port) {
        this.process = process;
        this.stderr = stderr;
        this.port = port;
    }

    /** Starts {@code GatewayMain 127.0.0.1:0 arguments...} and waits until it printed its port. */
    static GatewayProcess start(Path workDir, String... arguments) throws IOException {
        String classPath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m",
                "-XX:MaxDirectMemorySize=1g",
                "-XX:+UseSerialGC",
                // FileBackend calls fallocate, lseek and posix_fadvise through FFM, as bin/sluice allows.
                "--enable-native-access=ALL-UNNAMED",
                "-cp",
                classPath,
                GatewayMain.class.getName()));
        command.add("127.0.0.1:0");
        command.addAll(List.of(arguments));
        Path stderr = Files.createTempFile(workDir, "gateway", ".err");
        Process process =
                new ProcessBuilder(command).redirectError(stderr.toFile()).start();
        BufferedReader out =
                new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        String first = out.readLine();
        Matcher m = first == null ? null : LISTENING.matcher(first);
        if (m == null || !m.find()) {
            process.destroyForcibly();
            throw new IOException("gateway did not start: " + first + "\n" + Files.readString(stderr));
        }
        // Keep draining stdout so the child never blocks on a full pipe.
        Thread.ofPlatform().daemon().start(() -> {
            try {
                while (out.readLine() != null) {
                    // discard
                }
            } catch (IOException ignored) {
                // The process ended.
            }
        });
        return new GatewayProcess(process, stderr, Integer.parseInt(m.group(2)));
    }

    int port() {
        return port;
    }

    String uri(String export) {
        return "nbd://127.0.0.1:" + port + "/" + export;
    }

    boolean isAlive() {
        return process.isAlive();
    }

    /** What the gateway printed on stderr so far; a healthy gateway prints nothing there. */
    String errors() throws IOException {
        return Files.readString(stderr);
    }

    /** SIGTERM, then the exit code the gateway returned from its orderly shutdown. */
    @Override
    public void close() throws IOException {
        process.destroy();
        try {
            if (!process.waitFor(20, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new AssertionError("gateway did not stop within 20 s of SIGTERM");
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while stopping the gateway", e);
        }
        assertThat(errors()).as("gateway stderr").isEmpty();
    }
}
