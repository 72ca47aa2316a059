package io.sluice.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sluice.common.ExitCode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code sluice status}: each role's pid, uptime, heartbeat, restarts and mailbox backlog, from the supervisor. */
@Command(name = "status", mixinStandardHelpOptions = true, description = "Show the roles of a running server (from its run directory).")
final class StatusCommand implements Callable<Integer> {
    @Option(names = "--run-dir", defaultValue = "run", description = "the server's run directory (default ${DEFAULT-VALUE})")
    Path runDir;

    @Option(names = "--json", description = "print status.json as it is")
    boolean json;

    @Override
    public Integer call() throws Exception {
        Path file = runDir.resolve("status.json");
        if (!Files.exists(file)) {
            System.err.println("sluice: no server status in " + runDir + " (is `sluice server --run-dir " + runDir + "` running?)");
            return ExitCode.FAILURE;
        }
        JsonNode status = new ObjectMapper().readTree(file.toFile());
        long supervisor = status.get("supervisorPid").asLong();
        boolean running = ProcessHandle.of(supervisor).map(ProcessHandle::isAlive).orElse(false);
        if (json) {
            System.out.println(status.toPrettyString());
            return running ? ExitCode.OK : ExitCode.FAILURE;
        }
        long age = System.currentTimeMillis() - status.get("at").asLong();
        System.out.printf("supervisor pid %d, %s, status written %d ms ago%n", supervisor, running ? "running" : "NOT RUNNING", age);
        System.out.printf("%-10s %8s %6s %10s %9s %12s %8s  %s%n", "role", "pid", "alive", "uptime s", "restarts",
                "heartbeat ms", "backlog", "last exit");
        for (JsonNode role : status.get("roles")) {
            System.out.printf("%-10s %8d %6s %10d %9d %12d %8d  %s%n", role.get("name").asText(), role.get("pid").asLong(),
                    role.get("alive").asBoolean() ? "yes" : "NO", role.get("uptimeMs").asLong() / 1000,
                    role.get("restarts").asInt(), role.get("heartbeatAgeMs").asLong(), role.get("mailboxBacklog").asInt(),
                    role.get("lastExit").asText());
        }
        return running ? ExitCode.OK : ExitCode.FAILURE;
    }
}
