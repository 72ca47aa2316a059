package io.sluice.common;

import java.net.InetSocketAddress;

/**
 * An address as people, configuration files and STANDBY frames write it: {@code HOST:PORT}, an IPv6 host in brackets
 * ({@code [::1]:7070}), at most {@link #MAX_LENGTH} characters of printable ASCII. The one parser of such addresses in
 * every module; parsing does no name lookup and no I/O.
 *
 * @param host the host as written, an IPv6 literal without its brackets
 * @param port 0..65535 (0 only from {@link #parseListen})
 */
public record HostPort(String host, int port) {
    /** The longest address taken (a DNS name is at most 253 characters, plus the port). */
    public static final int MAX_LENGTH = 255;

    /** The bad address and what is wrong with it, in a message that names both. */
    public static final class Invalid extends IllegalArgumentException {
        private static final long serialVersionUID = 1L;
        private final String value;

        Invalid(String label, String problem, String value) {
            super(label + " " + problem + ": '" + value + "'");
            this.value = value;
        }

        /** The text that is not an address, as given (null when none was). */
        public String value() {
            return value;
        }
    }

    /**
     * An address to connect to: {@code text} with a port of 1..65535.
     *
     * @param label what the address is, for the error (e.g. {@code monitor address}, {@code --monitor})
     * @throws Invalid if it is not one
     */
    public static HostPort parse(String label, String text) {
        return parse(label, text, 1);
    }

    /** An address to listen on: as {@link #parse}, but port 0 (any free port) is taken too. */
    public static HostPort parseListen(String label, String text) {
        return parse(label, text, 0);
    }

    private static HostPort parse(String label, String text, int minPort) {
        String problem = problem(text, minPort);
        if (problem != null) {
            throw new Invalid(label, problem, text);
        }
        int colon = text.lastIndexOf(':');
        String host = text.substring(0, colon);
        if (host.startsWith("[")) {
            host = host.substring(1, host.length() - 1);
        }
        return new HostPort(host, Integer.parseInt(text.substring(colon + 1)));
    }

    /** Why {@code text} is not an address with a port of {@code minPort}..65535, or null when it is. */
    public static String problem(String text, int minPort) {
        if (text == null || text.isEmpty()) {
            return "is empty";
        }
        if (text.length() > MAX_LENGTH) {
            return "is longer than " + MAX_LENGTH + " characters";
        }
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c <= ' ' || c >= 0x7F) {
                return "has a character that is not printable ASCII";
            }
        }
        int colon = text.lastIndexOf(':');
        if (colon <= 0 || colon == text.length() - 1) {
            return "must be HOST:PORT";
        }
        String host = text.substring(0, colon);
        boolean bracketed = host.startsWith("[") && host.endsWith("]") && host.length() > 2;
        if (host.indexOf(':') >= 0 && !bracketed) {
            return "must write an IPv6 host in brackets, [HOST]:PORT";
        }
        if (!bracketed && (host.indexOf('[') >= 0 || host.indexOf(']') >= 0)) {
            return "has a stray bracket";
        }
        String port = text.substring(colon + 1);
        if (port.length() > 5 || !port.chars().allMatch(c -> c >= '0' && c <= '9')) {
            return "has no port number";
        }
        int number = Integer.parseInt(port);
        if (number < minPort || number > 65_535) {
            return "has a port out of " + minPort + "..65535";
        }
        return null;
    }

    /** The address unresolved: its name is looked up at each connection attempt, so a moved host is found. */
    public InetSocketAddress unresolved() {
        return InetSocketAddress.createUnresolved(host, port);
    }

    /** The address with its name looked up now (a name that does not resolve gives an unresolved address). */
    public InetSocketAddress resolve() {
        return new InetSocketAddress(host, port);
    }

    /** The address as {@link #parse} reads it. */
    @Override
    public String toString() {
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
    }

    /** {@code address} as {@link #parse} reads it: the host as given (not looked up), an IPv6 literal in brackets. */
    public static String format(InetSocketAddress address) {
        return new HostPort(address.getHostString(), address.getPort()).toString();
    }
}
