package io.sluice.server;

import io.sluice.common.EpochClock;
import io.sluice.mailbox.Mailbox;
import io.sluice.mailbox.MailboxFormatException;
import io.sluice.mailbox.MailboxGeometry;
import io.sluice.server.supervisor.RoleSpec;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import picocli.CommandLine;

/**
 * {@code sluice server --single-process}: every role on threads of this JVM, still talking only through the mailboxes,
 * for development and debugging. No restarts and no hang detection (a role that fails is reported and stays down);
 * roles start in order and stop in reverse order.
 */
final class SingleProcessServer implements AutoCloseable {
    private record Running(RoleSpec spec, Thread thread, UntilSignalled.InProcessRole stop, int[] exit) {}

    private final List<Running> running = new ArrayList<>();
    private final List<Mailbox> mailboxes = new ArrayList<>();
    private final Consumer<String> log;

    SingleProcessServer(Map<Path, MailboxGeometry> boxes, Consumer<String> log) {
        this.log = log;
        EpochClock clock = EpochClock.system();
        for (Map.Entry<Path, MailboxGeometry> box : boxes.entrySet()) {
            try {
                mailboxes.add(Mailbox.openOrCreate(box.getKey(), box.getValue(), clock));
            } catch (MailboxFormatException e) {
                Path aside = Mailbox.quarantine(box.getKey(), clock);
                log.accept("mailbox " + box.getKey() + " is unusable (" + e.getMessage() + "); moved to " + aside);
                mailboxes.add(Mailbox.create(box.getKey(), box.getValue(), clock));
            }
        }
    }

    void start(List<RoleSpec> roles) {
        for (RoleSpec spec : roles) {
            UntilSignalled.InProcessRole stop = new UntilSignalled.InProcessRole();
            int[] exit = {-1};
            Thread thread = Thread.ofPlatform().name("role-" + spec.name()).unstarted(() -> {
                UntilSignalled.InProcessRole.CURRENT.set(stop);
                exit[0] =
                        new CommandLine(new SluiceMain()).execute(spec.command().toArray(String[]::new));
                stop.stopped.countDown();
                if (stop.stop.getCount() > 0) {
                    log.accept(spec.name() + " ended on its own with exit code " + exit[0]
                            + "; it stays down in single-process mode");
                }
            });
            running.add(new Running(spec, thread, stop, exit));
            thread.start();
            log.accept("started " + spec.name() + " in process");
        }
    }

    @Override
    public void close() throws InterruptedException {
        for (Running role : running.reversed()) {
            role.stop().stop.countDown();
            if (!role.stop().stopped.await(15, TimeUnit.SECONDS)) {
                log.accept(role.spec().name() + " did not stop within 15 s");
            } else {
                log.accept("stopped " + role.spec().name());
            }
        }
        mailboxes.forEach(Mailbox::close);
    }
}
