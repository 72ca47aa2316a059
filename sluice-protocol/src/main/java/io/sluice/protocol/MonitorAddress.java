package io.sluice.protocol;

import io.sluice.common.HostPort;
import java.net.InetSocketAddress;

/**
 * A monitor's gateway address as people and frames write it, read by {@link HostPort} (the one HOST:PORT parser):
 * {@code HOST:PORT}, an IPv6 host in brackets ({@code [::1]:7070}), at most {@link #MAX_LENGTH} bytes of printable
 * ASCII. Parsed without a name lookup (an unresolved address), so a name is looked up at each connection attempt and a
 * moved monitor is found; nothing here does I/O.
 */
public final class MonitorAddress {
    /** The longest address a STANDBY frame carries (a DNS name is at most 253 bytes, plus the port). */
    public static final int MAX_LENGTH = HostPort.MAX_LENGTH;

    private MonitorAddress() {}

    /**
     * The address {@code hostPort} names, unresolved.
     *
     * @throws HostPort.Invalid if it is not {@code HOST:PORT} with a port of 1..65535
     */
    public static InetSocketAddress parse(String hostPort) {
        return HostPort.parse("monitor address", hostPort).unresolved();
    }

    /** The address as {@link #parse} reads it: the host as given (not looked up), an IPv6 literal in brackets. */
    public static String format(InetSocketAddress address) {
        return HostPort.format(address);
    }

    /** Why {@code hostPort} is not an address {@link #parse} takes, or null when it is. */
    static String problem(String hostPort) {
        return HostPort.problem(hostPort, 1);
    }
}
