package io.sluice.web.harness;

import java.nio.file.Path;

/**
 * The processes behind the web role in a route test: something serving the db, services-queries
 * and monitor mailboxes under {@code mailboxDir()/serverName()-*}. {@link InMemoryBackend} serves
 * them from memory; the same tests run against the real database manager and SLA services by
 * implementing this interface over real processes.
 */
public interface Backend extends AutoCloseable {
    Path mailboxDir();

    String serverName();

    /** Stops serving the database manager's mailbox (the process is "down"). */
    void stopDb();

    /** Stops serving the SLA services' query mailbox. */
    void stopServices();

    @Override
    void close();
}
