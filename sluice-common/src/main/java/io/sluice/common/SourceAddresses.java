package io.sluice.common;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Arrays;

/**
 * The part of a peer's address that one party controls, for limits that count per source: the address itself for IPv4,
 * its /64 for IPv6 (one host is commonly given a whole /64, so it could rotate through its addresses to escape a
 * per-address limit).
 */
public final class SourceAddresses {
    private SourceAddresses() {}

    public static InetAddress partyOf(InetAddress address) {
        if (!(address instanceof Inet6Address)) {
            return address;
        }
        try {
            return InetAddress.getByAddress(Arrays.copyOf(Arrays.copyOf(address.getAddress(), 8), 16));
        } catch (UnknownHostException e) {
            throw new IllegalStateException("16 bytes are an IPv6 address", e);
        }
    }
}
