package io.sluice.db.store;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * What Sluice needs to know about a JDBC URL without connecting: how to print it without its password, and whether its
 * link to PostgreSQL is safe to use. A URL may carry a password ({@code password=} in its parameters, or
 * {@code user:password@} before the host), so it is a secret: it travels in a 0600 file, never on a command line, and
 * is printed only through {@link #redact}.
 */
public final class JdbcUrls {
    private static final Pattern PASSWORD_PARAMETER = Pattern.compile("(?i)(password=)[^&;]*");
    private static final Pattern USER_INFO = Pattern.compile("(//[^/@:?;]*:)[^/@?;]*@");
    private static final Pattern IP_LITERAL = Pattern.compile("[0-9.]+|\\[?[0-9A-Fa-f:.]+]?");
    private static final String POSTGRESQL = "jdbc:postgresql:";

    private JdbcUrls() {}

    /** The URL with every password replaced by {@code ***}, fit for logs and messages. */
    public static String redact(String url) {
        if (url == null) {
            return null;
        }
        return USER_INFO
                .matcher(PASSWORD_PARAMETER.matcher(url).replaceAll("$1***"))
                .replaceAll("$1***@");
    }

    /** True when the URL carries a password, which must then not be given on a command line. */
    public static boolean hasPassword(String url) {
        return url != null && !redact(url).equals(url);
    }

    /**
     * Why this URL's link to its database is not safe, or null when it is: a PostgreSQL server on another host must be
     * reached over TLS that verifies its certificate and its name ({@code sslmode=verify-full}), unless
     * {@code insecureAllowed} (the operator's explicit choice). Loopback needs nothing: the traffic never leaves the
     * host. Names are not resolved (only {@code localhost} and loopback addresses count as loopback), so the check
     * needs no network.
     */
    public static String linkProblem(String url, boolean insecureAllowed) {
        if (url == null || !url.startsWith(POSTGRESQL) || insecureAllowed) {
            return null;
        }
        List<String> remote = hosts(url).stream().filter(h -> !isLoopback(h)).toList();
        if (remote.isEmpty()) {
            return null;
        }
        String sslmode = parameter(url, "sslmode");
        if ("verify-full".equalsIgnoreCase(sslmode)) {
            return null;
        }
        return "the database at " + String.join(",", remote) + " is not on this host, and "
                + (sslmode == null
                        ? "its URL does not ask for TLS"
                        : "sslmode=" + sslmode + " does not verify the server")
                + ": add sslmode=verify-full (and sslrootcert=FILE, the CA that signed the server's certificate) to the URL "
                + "so the link is encrypted and the server proven, or accept an unverified link explicitly with "
                + "database.insecure-link: true";
    }

    /** The hosts a PostgreSQL URL names ({@code jdbc:postgresql:db} alone means localhost). */
    static List<String> hosts(String url) {
        String rest = url.substring(POSTGRESQL.length());
        if (!rest.startsWith("//")) {
            return List.of("localhost");
        }
        rest = rest.substring(2);
        int end = rest.length();
        for (char c : new char[] {'/', '?'}) {
            int at = rest.indexOf(c);
            if (at >= 0) {
                end = Math.min(end, at);
            }
        }
        String authority = rest.substring(0, end);
        authority = authority.substring(authority.lastIndexOf('@') + 1);
        List<String> hosts = new ArrayList<>();
        for (String hostPort : authority.split(",")) {
            String host = hostPort.startsWith("[")
                    ? hostPort.substring(0, hostPort.indexOf(']') + 1)
                    : hostPort.contains(":") ? hostPort.substring(0, hostPort.indexOf(':')) : hostPort;
            hosts.add(host.isEmpty() ? "localhost" : host);
        }
        return hosts;
    }

    static boolean isLoopback(String host) {
        if (host.equalsIgnoreCase("localhost")) {
            return true;
        }
        if (!IP_LITERAL.matcher(host).matches()) {
            return false;
        }
        try {
            return InetAddress.ofLiteral(host.replace("[", "").replace("]", "")).isLoopbackAddress();
        } catch (IllegalArgumentException notAnAddress) {
            return false;
        }
    }

    /** The value of a URL parameter ({@code ?a=1&b=2}), or null. */
    static String parameter(String url, String name) {
        int query = url.indexOf('?');
        if (query < 0) {
            return null;
        }
        for (String pair : url.substring(query + 1).split("&")) {
            int eq = pair.indexOf('=');
            if (eq > 0 && pair.substring(0, eq).toLowerCase(Locale.ROOT).equals(name)) {
                return pair.substring(eq + 1);
            }
        }
        return null;
    }
}
