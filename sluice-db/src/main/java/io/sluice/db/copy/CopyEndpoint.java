package io.sluice.db.copy;

/** One side of a copy: a JDBC URL (H2 or PostgreSQL) and its credentials. */
public record CopyEndpoint(String url, String user, String password) {}
