package io.sluice.web;

import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.assertThat;

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
    }
}
