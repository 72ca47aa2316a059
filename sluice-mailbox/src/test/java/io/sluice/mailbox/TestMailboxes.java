package io.sluice.mailbox;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Shared helpers: mailbox files in /dev/shm (or the temp dir) and Java child processes. */
final class TestMailboxes {
    private TestMailboxes() {}

    static Path newFile(String name) throws IOException {
        Path dir = Files.isDirectory(Mailbox.DEFAULT_DIRECTORY)
                ? Mailbox.DEFAULT_DIRECTORY
                : Path.of(System.getProperty("java.io.tmpdir"));
        Path file = dir.resolve(
                "sluice-test-" + name + "-" + ProcessHandle.current().pid() + "-" + System.nanoTime());
        Files.deleteIfExists(file);
        return file;
    }

    static MailboxGeometry small() {
        return new MailboxGeometry(64, 512, 8, 4);
    }

    /** The cross-process tests' mailbox: 256 slots, room for every call a killed caller left behind. */
    static MailboxGeometry crossProcess() {
        return new MailboxGeometry(256, 512, 8, 4);
    }

    /**
     * A caller in its own JVM ({@link CallerProcess}) binds {@code callerIndex} of the mailbox in {@code file}, posts
     * {@code calls} REVERSE calls (correlation ids 1..calls, payloads "call-ID") and is killed with -9 before it reads
     * a reply, as a crash would; returns its pid.
     */
    static long postThenKillCaller(Path file, int callerIndex, int calls) throws IOException, InterruptedException {
        try (Child caller = new Child(
                CallerProcess.class, file.toString(), Integer.toString(callerIndex), Integer.toString(calls))) {
            caller.awaitLine("POSTED");
            long pid = caller.pid();
            caller.kill9();
            return pid;
        }
    }

    /** A JVM running {@code mainClass} with this test's classpath; its stdout is readable line by line. */
    static final class Child implements AutoCloseable {
        final Process process;
        final BufferedReader out;

        Child(Class<?> mainClass, List<String> jvmArgs, String... args) throws IOException {
            String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
            List<String> cmd = new ArrayList<>();
            cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
            cmd.add("--enable-native-access=ALL-UNNAMED");
            cmd.add("-Xmx128m");
            cmd.addAll(jvmArgs);
            cmd.add("-cp");
            cmd.add(cp);
            cmd.add(mainClass.getName());
            cmd.addAll(List.of(args));
            process = new ProcessBuilder(cmd)
                    .redirectError(ProcessBuilder.Redirect.INHERIT)
                    .start();
            out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        }

        Child(Class<?> mainClass, String... args) throws IOException {
            this(mainClass, List.of(), args);
        }

        /** Reads lines until one starts with {@code prefix}; fails if the child exits first. */
        String awaitLine(String prefix) throws IOException {
            String line;
            while ((line = out.readLine()) != null) {
                if (line.startsWith(prefix)) {
                    return line;
                }
            }
            throw new IOException("child exited before printing '" + prefix + "', exit " + exitCode());
        }

        long pid() {
            return process.pid();
        }

        void kill9() throws InterruptedException {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }

        private String exitCode() {
            try {
                return process.waitFor(5, TimeUnit.SECONDS) ? Integer.toString(process.exitValue()) : "none";
            } catch (InterruptedException e) {
                return "interrupted";
            }
        }

        @Override
        public void close() throws InterruptedException {
            kill9();
        }
    }
}
