package io.sluice.server.supervisor;

import java.nio.file.Path;
import java.util.List;

/**
 * One role of the SLA server as the supervisor runs it: a {@code sluice} subcommand in its own JVM.
 *
 * @param name the role's name, also its log file's
 * @param command the subcommand and its arguments, e.g. {@code monitor --listen 127.0.0.1:7070 ...}
 * @param inbox the role's own mailbox (it is the callee there), watched for a stopped heartbeat; the role is ready once
 *     it is attached there. Null if none
 * @param jvmOptions options for the role's JVM, e.g. {@code -Xmx512m}
 * @param readyPort a loopback TCP port the role listens on once it is ready, for roles without an inbox; 0 if none
 */
public record RoleSpec(String name, List<String> command, Path inbox, List<String> jvmOptions, int readyPort) {
    public RoleSpec {
        command = List.copyOf(command);
        jvmOptions = jvmOptions == null ? List.of() : List.copyOf(jvmOptions);
    }

    public RoleSpec(String name, List<String> command, Path inbox, List<String> jvmOptions) {
        this(name, command, inbox, jvmOptions, 0);
    }

    public RoleSpec(String name, List<String> command, Path inbox) {
        this(name, command, inbox, List.of(), 0);
    }
}
