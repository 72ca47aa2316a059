package io.sluice.db.store;

/** The two engines the schema is written for; chosen from the JDBC URL. */
public enum Engine {
    H2("h2"),
    POSTGRESQL("postgresql");

    private final String label;

    Engine(String label) {
        this.label = label;
    }

    public String label() {
        return label;
    }

    public static Engine of(String jdbcUrl) {
        if (jdbcUrl.startsWith("jdbc:h2:")) {
            return H2;
        }
        if (jdbcUrl.startsWith("jdbc:postgresql:")) {
            return POSTGRESQL;
        }
        throw new IllegalArgumentException("unsupported JDBC URL (h2 or postgresql): " + JdbcUrls.redact(jdbcUrl));
    }
}
