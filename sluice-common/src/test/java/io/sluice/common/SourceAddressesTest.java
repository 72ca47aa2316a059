package io.sluice.common;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import org.junit.jupiter.api.Test;

class SourceAddressesTest {
    @Test
    void anIpv4AddressIsItsOwnPartyAndAnIpv6AddressIsItsSlash64() {
        assertThat(SourceAddresses.partyOf(InetAddress.ofLiteral("10.1.2.3")))
                .isEqualTo(InetAddress.ofLiteral("10.1.2.3"));
        assertThat(SourceAddresses.partyOf(InetAddress.ofLiteral("2001:db8:1:2:ffff::1")))
                .isEqualTo(SourceAddresses.partyOf(InetAddress.ofLiteral("2001:db8:1:2::10")))
                .isEqualTo(InetAddress.ofLiteral("2001:db8:1:2::"))
                .isNotEqualTo(SourceAddresses.partyOf(InetAddress.ofLiteral("2001:db8:1:3::10")));
    }
}
