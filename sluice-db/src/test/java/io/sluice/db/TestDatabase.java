package io.sluice.db;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.UUID;

/**
 * A fresh database for one test class: an H2 file under a temporary directory, or a uniquely named database on the
 * machine's PostgreSQL (started by {@code .ci/postgres-up} if it is not listening), dropped again by {@link #close}.
 */
public final class TestDatabase implements AutoCloseable {
    public static final String PG_HOST = "127.0.0.1";
    public static final int PG_PORT = 5432;
    public static final String PG_USER = "sluice";
    public static final String PG_PASSWORD = "sluice";

    private final String url;
    private final String user;
    private final String password;
    private final String pgName;

    private TestDatabase(String url, String user, String password, String pgName) {
        this.url = url;
        this.user = user;
        this.password = password;
        this.pgName = pgName;
    }

    public static TestDatabase h2(Path dir) {
        return new TestDatabase(
                "jdbc:h2:file:" + dir.toAbsolutePath().resolve("h2-" + UUID.randomUUID()), "sluice", "", null);
    }

    public static TestDatabase postgres() throws Exception {
        ensurePostgres();
        String name =
                "sluice_test_" + UUID.randomUUID().toString().replace("-", "").substring(0, 16);
        try (Connection c = DriverManager.getConnection(adminUrl(), PG_USER, PG_PASSWORD);
                Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE " + name);
        }
        return new TestDatabase(
                "jdbc:postgresql://" + PG_HOST + ":" + PG_PORT + "/" + name, PG_USER, PG_PASSWORD, name);
    }

    static String adminUrl() {
        return "jdbc:postgresql://" + PG_HOST + ":" + PG_PORT + "/postgres";
    }

    /** Starts the machine's PostgreSQL when nothing listens on 5432; CI has it, so no test skips. */
    public static void ensurePostgres() throws IOException, InterruptedException {
        if (listening()) {
            return;
        }
        Path script = repositoryRoot().resolve(".ci/postgres-up");
        Process p = new ProcessBuilder(script.toString()).inheritIO().start();
        if (p.waitFor() != 0 || !listening()) {
            throw new IllegalStateException(
                    "PostgreSQL is not reachable on " + PG_HOST + ":" + PG_PORT + " and " + script + " failed");
        }
    }

    /**
     * The certificate the machine's PostgreSQL serves TLS with (for localhost and 127.0.0.1), after turning TLS on with
     * {@code .ci/postgres-up} if it was off; a test trusts it as its own root.
     */
    public static Path tlsCertificate() throws Exception {
        ensurePostgres();
        if (!"on".equals(show("ssl"))) {
            Process p = new ProcessBuilder(
                            repositoryRoot().resolve(".ci/postgres-up").toString())
                    .inheritIO()
                    .start();
            if (p.waitFor() != 0 || !"on".equals(show("ssl"))) {
                throw new IllegalStateException("PostgreSQL does not serve TLS and .ci/postgres-up did not turn it on");
            }
        }
        return Path.of(show("ssl_cert_file"));
    }

    private static String show(String setting) throws SQLException {
        try (Connection c = DriverManager.getConnection(adminUrl(), PG_USER, PG_PASSWORD);
                Statement s = c.createStatement();
                ResultSet r = s.executeQuery("SHOW " + setting)) {
            r.next();
            return r.getString(1);
        }
    }

    static boolean listening() {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(PG_HOST, PG_PORT), 500);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static Path repositoryRoot() {
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null && !dir.resolve(".ci").toFile().isDirectory()) {
            dir = dir.getParent();
        }
        if (dir == null) {
            throw new IllegalStateException(
                    "no .ci directory above " + Path.of("").toAbsolutePath());
        }
        return dir;
    }

    public String url() {
        return url;
    }

    public String user() {
        return user;
    }

    public String password() {
        return password;
    }

    public boolean isPostgres() {
        return pgName != null;
    }

    @Override
    public void close() throws SQLException {
        if (pgName != null) {
            try (Connection c = DriverManager.getConnection(adminUrl(), PG_USER, PG_PASSWORD);
                    Statement s = c.createStatement()) {
                s.execute("DROP DATABASE IF EXISTS " + pgName + " WITH (FORCE)");
            }
        }
    }
}
