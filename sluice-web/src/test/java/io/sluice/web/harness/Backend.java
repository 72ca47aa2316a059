package io.sluice.web.harness;

import java.nio.file.Path;
import java.time.Duration;

/**
 * The processes behind the web role in a route test: something serving the db, services-queries and monitor mailboxes
 * under {@code mailboxDir()/serverName()-*}. {@link InMemoryBackend} serves them from memory; the same tests run
 * against the real database manager and SLA services by implementing this interface over real processes.
 */
public interface Backend extends AutoCloseable {
    Path mailboxDir();

    String serverName();

    /**
     * How long the web server under test waits for these processes' answers: the harness's 2 s, unless real processes
     * on a busy machine need longer (a slow answer is not what the route tests are about).
     */
    default Duration callTimeout() {
        return Duration.ofSeconds(2);
    }

    /** Stops serving the database manager's mailbox (the process is "down"). */
    void stopDb();

    /** Stops serving the SLA services' query mailbox. */
    void stopServices();

    @Override
    void close();
}
