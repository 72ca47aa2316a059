package io.sluice.bench;

import picocli.CommandLine.Option;

/**
 * The PostgreSQL role a benchmark creates (and drops) its databases as: {@code --pg-user} and {@code --pg-password}.
 */
public final class PgRoleOptions {
    @Option(
            names = "--pg-user",
            defaultValue = "sluice",
            description = "a role allowed to create databases (default ${DEFAULT-VALUE})")
    public String user;

    @Option(names = "--pg-password", defaultValue = "sluice")
    public String password;
}
