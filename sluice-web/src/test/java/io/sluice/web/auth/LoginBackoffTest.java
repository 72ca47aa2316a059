package io.sluice.web.auth;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.common.ManualEpochClock;
import org.junit.jupiter.api.Test;

class LoginBackoffTest {
    private final ManualEpochClock clock = new ManualEpochClock(1_000_000);
    private final LoginBackoff backoff = new LoginBackoff(clock, 3, 1_000, 60_000, 600_000);

    @Test
    void theWaitDoublesWithEachFailureUpToTheCap() {
        for (int i = 0; i < 2; i++) {
            backoff.recordFailure("admin", "192.0.2.1");
            assertThat(backoff.retryAfterMillis("admin", "192.0.2.1")).isZero();
        }
        long[] expected = {1_000, 2_000, 4_000, 8_000, 16_000, 32_000, 60_000, 60_000};
        for (long wait : expected) {
            backoff.recordFailure("admin", "192.0.2.1");
            assertThat(backoff.retryAfterMillis("admin", "192.0.2.1")).isEqualTo(wait);
            clock.advance(wait - 1);
            assertThat(backoff.retryAfterMillis("admin", "192.0.2.1")).isEqualTo(1);
            clock.advance(1);
            assertThat(backoff.retryAfterMillis("admin", "192.0.2.1")).isZero();
        }
    }

    @Test
    void anotherAddressOrLoginIsNotHeldBackAndSuccessOrTimeForgets() {
        for (int i = 0; i < 20; i++) {
            backoff.recordFailure("admin", "192.0.2.1");
        }
        assertThat(backoff.retryAfterMillis("admin", "192.0.2.1")).isEqualTo(60_000);
        assertThat(backoff.retryAfterMillis("admin", "198.51.100.7")).isZero();
        assertThat(backoff.retryAfterMillis("operator", "192.0.2.1")).isZero();
        clock.advance(600_000);
        assertThat(backoff.retryAfterMillis("admin", "192.0.2.1")).isZero();
        backoff.recordFailure("admin", "192.0.2.1");
        assertThat(backoff.retryAfterMillis("admin", "192.0.2.1"))
                .as("starts afresh")
                .isZero();
        for (int i = 0; i < 5; i++) {
            backoff.recordFailure("admin", "192.0.2.1");
        }
        backoff.recordSuccess("admin", "192.0.2.1");
        assertThat(backoff.retryAfterMillis("admin", "192.0.2.1")).isZero();
    }

    @Test
    void anIpv6HostIsOneAddressAcrossItsSlash64() {
        assertThat(LoginBackoff.addressKey("2001:db8:1:2::10"))
                .isEqualTo(LoginBackoff.addressKey("[2001:db8:1:2:ffff::1]"));
        assertThat(LoginBackoff.addressKey("2001:db8:1:2::10"))
                .isNotEqualTo(LoginBackoff.addressKey("2001:db8:1:3::10"));
        assertThat(LoginBackoff.addressKey("127.0.0.2")).isEqualTo("127.0.0.2");
    }
}
