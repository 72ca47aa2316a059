package io.sluice.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.common.PrivateFiles;
import io.sluice.gateway.link.MonitorLinkConfig;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The monitors a gateway tries in turn: one address or a YAML list, a repeated --monitor, and what is refused. */
class MonitorListParsingTest {
    private static final InetSocketAddress A = InetSocketAddress.createUnresolved("sla-a.example", 7070);
    private static final InetSocketAddress B = InetSocketAddress.createUnresolved("sla-b.example", 7070);
    private static final InetSocketAddress V6 = InetSocketAddress.createUnresolved("fd00::7", 7071);

    @TempDir
    Path dir;

    private Path key;

    @BeforeEach
    void key() throws Exception {
        key = PrivateFiles.writeSecret(dir.resolve("key"), new byte[32]);
    }

    @Test
    void theSingleAddressFormStillWorks() throws Exception {
        assertThat(fromFile("address: sla-a.example:7070").addresses()).containsExactly(A);
        assertThat(fromCommandLine("--monitor=sla-a.example:7070").addresses()).containsExactly(A);
    }

    @Test
    void aYamlListInEitherSpellingIsTriedInOrder() throws Exception {
        assertThat(fromFile("address: [sla-a.example:7070, sla-b.example:7070]").addresses())
                .containsExactly(A, B);
        assertThat(fromFile("addresses:\n    - sla-b.example:7070\n    - sla-a.example:7070\n    - '[fd00::7]:7071'")
                        .addresses())
                .containsExactly(B, A, V6);
    }

    @Test
    void aRepeatedMonitorOptionIsAListThatReplacesTheFiles() throws Exception {
        assertThat(fromCommandLine("--monitor=sla-b.example:7070", "--monitor=sla-a.example:7070")
                        .addresses())
                .containsExactly(B, A);
        Path config = config("address: [sla-a.example:7070, sla-b.example:7070]");
        MonitorLinkConfig overridden = GatewayContext.parse("--config", config.toString(), "--monitor=[fd00::7]:7071")
                .monitor();
        assertThat(overridden.addresses()).containsExactly(V6);
    }

    @Test
    void badListsAreRefusedWithTheReason() throws Exception {
        assertThatThrownBy(() -> fromCommandLine("--monitor=sla-a.example:7070", "--monitor=sla-a.example:7070"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("listed twice");
        assertThatThrownBy(() -> fromCommandLine("--monitor=sla-a.example"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("HOST:PORT");
        assertThatThrownBy(() -> fromCommandLine("--monitor=fd00::7:7071"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("brackets");
        assertThatThrownBy(() -> fromFile("address: []"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("needs an address");
        assertThatThrownBy(() -> fromFile("address: [sla-a.example:7070, sla-b.example:0]"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("port out of 1..65535");
    }

    private MonitorLinkConfig fromFile(String addressLines) throws Exception {
        return GatewayContext.parse("--config", config(addressLines).toString()).monitor();
    }

    private MonitorLinkConfig fromCommandLine(String... monitors) {
        List<String> args = new ArrayList<>(List.of(
                "127.0.0.1:0",
                "a=" + dir.resolve("a.img"),
                "--gateway-id=3",
                "--key-file=" + key,
                "--monitor-insecure-plaintext"));
        args.addAll(List.of(monitors));
        return GatewayContext.parse(args.toArray(String[]::new)).monitor();
    }

    private Path config(String addressLines) throws Exception {
        return Files.writeString(dir.resolve("gw.yaml"), """
                listen: 127.0.0.1:0
                exports:
                  - name: a
                    target: %s
                monitor:
                  %s
                  gateway-id: 3
                  key-file: %s
                  insecure-plaintext: true
                """.formatted(dir.resolve("a.img"), addressLines, key));
    }
}
