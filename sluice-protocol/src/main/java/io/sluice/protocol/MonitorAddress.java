package io.sluice.protocol;

import java.net.InetSocketAddress;

/**
 * A monitor's gateway address as people and frames write it: {@code HOST:PORT}, an IPv6 host in brackets
 * ({@code [::1]:7070}), at most {@link #MAX_LENGTH} bytes of printable ASCII. Parsed without a name lookup (an
 * unresolved address), so a name is looked up at each connection attempt and a moved monitor is found; nothing here
 * does I/O.
 */
public final class MonitorAddress {
    /** The longest address a STANDBY frame carries (a DNS name is at most 253 bytes, plus the port). */
    public static final int MAX_LENGTH = 255;

    private MonitorAddress() {}

    /**
     * The address {@code hostPort} names, unresolved.
     *
     * @throws IllegalArgumentException if it is not {@code HOST:PORT} with a port of 1..65535
     */
    public static InetSocketAddress parse(String hostPort) {
        String problem = problem(hostPort);
        if (problem != null) {
            throw new IllegalArgumentException("monitor address " + problem + ": '" + hostPort + "'");
        }
        int colon = hostPort.lastIndexOf(':');
        String host = hostPort.substring(0, colon);
        if (host.startsWith("[")) {
            host = host.substring(1, host.length() - 1);
        }
        return InetSocketAddress.createUnresolved(host, Integer.parseInt(hostPort.substring(colon + 1)));
    }

    /** The address as {@link #parse} reads it: the host as given (not looked up), an IPv6 literal in brackets. */
    public static String format(InetSocketAddress address) {
        String host = address.getHostString();
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + address.getPort();
    }

    /** Why {@code hostPort} is not an address {@link #parse} takes, or null when it is. */
    static String problem(String hostPort) {
        if (hostPort == null || hostPort.isEmpty()) {
            return "is empty";
        }
        if (hostPort.length() > MAX_LENGTH) {
            return "is longer than " + MAX_LENGTH + " characters";
        }
        for (int i = 0; i < hostPort.length(); i++) {
            char c = hostPort.charAt(i);
            if (c <= ' ' || c >= 0x7F) {
                return "has a character that is not printable ASCII";
            }
        }
        int colon = hostPort.lastIndexOf(':');
        if (colon <= 0 || colon == hostPort.length() - 1) {
            return "must be HOST:PORT";
        }
        String host = hostPort.substring(0, colon);
        boolean bracketed = host.startsWith("[") && host.endsWith("]") && host.length() > 2;
        if (host.indexOf(':') >= 0 && !bracketed) {
            return "must write an IPv6 host in brackets, [HOST]:PORT";
        }
        if (!bracketed && (host.indexOf('[') >= 0 || host.indexOf(']') >= 0)) {
            return "has a stray bracket";
        }
        String port = hostPort.substring(colon + 1);
        if (port.length() > 5 || !port.chars().allMatch(c -> c >= '0' && c <= '9')) {
            return "has no port number";
        }
        int number = Integer.parseInt(port);
        if (number < 1 || number > 65_535) {
            return "has a port out of 1..65535";
        }
        return null;
    }
}
