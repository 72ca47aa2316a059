package io.sluice.gateway.export;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Arrays;

/** A block of source addresses in CIDR notation ({@code 10.0.0.0/8}, {@code fd00::/64}; a bare address is one host). */
public record AddressRange(byte[] network, int prefixLength) {
    public AddressRange {
        network = network.clone();
    }

    public static AddressRange parse(String cidr) {
        int slash = cidr.indexOf('/');
        String host = slash < 0 ? cidr : cidr.substring(0, slash);
        InetAddress address;
        try {
            address = InetAddress.ofLiteral(host);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("not an address or CIDR block: " + cidr);
        }
        byte[] bytes = address.getAddress();
        int prefix;
        try {
            prefix = slash < 0 ? bytes.length * 8 : Integer.parseInt(cidr.substring(slash + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("bad prefix length in " + cidr);
        }
        if (prefix < 0 || prefix > bytes.length * 8) {
            throw new IllegalArgumentException("prefix length out of range in " + cidr);
        }
        return new AddressRange(bytes, prefix);
    }

    /** Whether {@code address} is in this block; an IPv4-mapped IPv6 address counts as its IPv4 address. */
    public boolean contains(InetAddress address) {
        byte[] bytes = address.getAddress();
        if (bytes.length == 16 && network.length == 4 && isV4Mapped(bytes)) {
            bytes = Arrays.copyOfRange(bytes, 12, 16);
        }
        if (bytes.length != network.length) {
            return false;
        }
        int whole = prefixLength / 8;
        for (int i = 0; i < whole; i++) {
            if (bytes[i] != network[i]) {
                return false;
            }
        }
        int rest = prefixLength % 8;
        if (rest == 0) {
            return true;
        }
        int mask = 0xFF << (8 - rest) & 0xFF;
        return (bytes[whole] & mask) == (network[whole] & mask);
    }

    private static boolean isV4Mapped(byte[] bytes) {
        for (int i = 0; i < 10; i++) {
            if (bytes[i] != 0) {
                return false;
            }
        }
        return bytes[10] == (byte) 0xFF && bytes[11] == (byte) 0xFF;
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof AddressRange range
                && range.prefixLength == prefixLength
                && Arrays.equals(range.network, network);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(network) * 31 + prefixLength;
    }

    @Override
    public String toString() {
        try {
            return InetAddress.getByAddress(network).getHostAddress() + "/" + prefixLength;
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }
}
