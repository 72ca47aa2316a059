package io.sluice.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.common.ExitCode;
import io.sluice.common.PrivateFiles;
import io.sluice.monitor.MonitorRole;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code sluice monitor --epoch / --standby-of / --standby}: the role the supervisor will start a monitor in. */
class MonitorRoleOptionsTest {
    @TempDir
    Path dir;

    @Test
    void eachOptionGivesItsRole() {
        assertThat(role()).isEqualTo(MonitorRole.STANDALONE);
        assertThat(role("--epoch", "12")).isEqualTo(MonitorRole.active(12));
        assertThat(role("--standby-of", "sla-a.example:7400")).isEqualTo(MonitorRole.standby("sla-a.example:7400"));
        assertThat(role("--standby")).isEqualTo(MonitorRole.standby(null));
    }

    @Test
    void contradictionsAndBadValuesAreUsageErrors() throws Exception {
        Path secret = PrivateFiles.writeSecret(
                dir.resolve("secret"), "monitor-role-secret-0123456789".getBytes(StandardCharsets.UTF_8));
        for (String[] bad : new String[][] {
            {"--epoch", "3", "--standby"},
            {"--epoch", "3", "--standby-of", "a:1"},
            {"--standby", "--standby-of", "a:1"},
            {"--standby-of", "no-port"},
            {"--epoch", "-1"}
        }) {
            String[] args = new String[bad.length + 4];
            args[0] = "monitor";
            args[1] = "--secret-file";
            args[2] = secret.toString();
            args[3] = "--insecure-plaintext";
            System.arraycopy(bad, 0, args, 4, bad.length);
            CommandRun run = CommandRun.sluice(args);
            assertThat(run.exit()).as(String.join(" ", bad)).isEqualTo(ExitCode.USAGE);
            assertThat(run.err()).as(String.join(" ", bad)).startsWith("monitor: ");
        }
    }

    private static MonitorRole role(String... options) {
        MonitorCommand command = new MonitorCommand();
        String[] args = new String[options.length + 2];
        args[0] = "--secret-file";
        args[1] = "unused";
        System.arraycopy(options, 0, args, 2, options.length);
        new CommandLine(command).parseArgs(args);
        return command.role();
    }
}
