package io.sluice.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class WebContextTest {
    private final WebContext base = WebContext.defaults(Path.of("/dev/shm"), "sluice", Path.of("web-data"));

    @Test
    void defaultsListenOnLoopbackOnly() {
        assertThat(base.host()).isEqualTo("127.0.0.1");
        assertThat(base.secureCookies()).isFalse();
    }

    @Test
    void refusesConfigurationsThatCannotWork() {
        assertThatThrownBy(() -> base.withListen("127.0.0.1", 70_000)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> WebContext.defaults(Path.of("/dev/shm"), "../etc", Path.of("d")))
                .hasMessageContaining("server name");
        assertThatThrownBy(() -> base.withCallTimeout(Duration.ZERO)).hasMessageContaining("call timeout");
        assertThatThrownBy(() -> base.withCallTimeout(Duration.ofMinutes(5))).hasMessageContaining("call timeout");
        assertThatThrownBy(() -> base.withTls(Path.of("web.crt"), null)).hasMessageContaining("both");
        assertThatThrownBy(() -> base.withPublicUrl("sluice.example.com", false))
                .hasMessageContaining("public URL");
    }

    @Test
    void refusesPlainHttpOnANonLoopbackAddressUnlessATlsProxyOrAnExplicitChoiceSaysSo() {
        for (String host : new String[] {"0.0.0.0", "::", "192.0.2.10"}) {
            assertThatThrownBy(() -> base.withListen(host, 8080)).as(host).hasMessageContaining("refusing plain HTTP");
            assertThatThrownBy(() -> base.withPublicUrl("http://sluice.example.com", false)
                            .withListen(host, 8080))
                    .as(host)
                    .hasMessageContaining("refusing plain HTTP");
            assertThat(base.withPublicUrl("https://sluice.example.com", false)
                            .withListen(host, 8080)
                            .secureCookies())
                    .isTrue();
            assertThat(base.withTls(Path.of("web.crt"), Path.of("web.key"))
                            .withListen(host, 8080)
                            .tls())
                    .isTrue();
            assertThat(base.withListen(host, 8080, true).secureCookies()).isFalse();
        }
        for (String loopback : new String[] {"127.0.0.1", "::1", "localhost"}) {
            assertThat(base.withListen(loopback, 8080).host()).isEqualTo(loopback);
        }
    }
}
