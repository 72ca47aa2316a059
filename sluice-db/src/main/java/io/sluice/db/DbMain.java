package io.sluice.db;

import io.sluice.common.ExitCode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;

/**
 * Runs the database manager on its own until SIGTERM: {@code DbMain <data-dir> <mailbox-dir> <mailbox-name> [jdbc-url
 * [user [password-file]]]}. Used by the crash tests (a child JVM to kill -9); people use {@code sluice db}.
 */
public final class DbMain {
    private DbMain() {}

    public static void main(String[] args) {
        System.exit(run(args));
    }

    public static int run(String[] args) {
        if (args.length < 3 || args.length > 6) {
            System.err.println(
                    "usage: DbMain <data-dir> <mailbox-dir> <mailbox-name> [jdbc-url [user [password-file]]]");
            return ExitCode.USAGE;
        }
        DbContext context;
        try {
            DbContext.Builder builder = DbContext.builder()
                    .dataDir(Path.of(args[0]))
                    .mailboxDir(Path.of(args[1]))
                    .mailboxName(args[2]);
            if (args.length > 3) {
                builder.jdbcUrl(args[3]);
            }
            if (args.length > 4) {
                builder.jdbcUser(args[4]);
            }
            if (args.length > 5) {
                builder.jdbcPassword(Files.readString(Path.of(args[5])).strip());
            }
            context = builder.build();
        } catch (IllegalArgumentException | IOException e) {
            System.err.println("db: " + e.getMessage());
            return ExitCode.USAGE;
        }
        CountDownLatch stop = new CountDownLatch(1);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            stop.countDown();
            try {
                stopped.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }));
        try (DbManager manager = new DbManager(context)) {
            System.out.println("db ready: " + manager.database().engine().label());
            stop.await();
            return ExitCode.OK;
        } catch (Exception e) {
            System.err.println("db: " + e);
            return ExitCode.FAILURE;
        } finally {
            stopped.countDown();
        }
    }
}
