package io.sluice.monitor;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.mailbox.Mailbox;
import io.sluice.mailbox.MailboxCallee;
import io.sluice.mailbox.MailboxGeometry;
import io.sluice.mailbox.MailboxStatus;
import io.sluice.mailbox.ParamWriter;
import io.sluice.protocol.MailboxOpcodes;
import io.sluice.testkit.ShmNames;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** A report posted while the services' mailbox is full waits (bounded) for a slot rather than being lost. */
class ServicesLinkTest {
    private final Path file = ShmNames.file("link-services");
    private final Mailbox mailbox = Mailbox.create(file, new MailboxGeometry(2, 1024, 4, 2));
    private final MailboxCallee services = MailboxCallee.attach(mailbox);
    private final ServicesLink link = new ServicesLink(mailbox, 1);

    @AfterEach
    void close() throws Exception {
        link.close();
        services.close();
        mailbox.close();
        Files.deleteIfExists(file);
    }

    private boolean post(long waitNanos) {
        return link.post(MailboxOpcodes.SERVICES_STATS_REPORT, 1, ParamWriter.of(new byte[] {1}), waitNanos);
    }

    @Test
    void aFullMailboxRefusesAtOnceWithoutAWaitAndTakesTheCallOnceASlotIsFree() throws Exception {
        assertThat(post(0)).isTrue();
        assertThat(post(0)).isTrue();
        assertThat(post(0)).as("both slots taken").isFalse();
        CountDownLatch waiting = new CountDownLatch(1);
        Thread servicesCatchUp = Thread.ofPlatform().start(() -> {
            try {
                waiting.await();
            } catch (InterruptedException e) {
                return;
            }
            services.poll(request -> request.reply(MailboxStatus.OK, 0), 1);
        });
        waiting.countDown();
        assertThat(post(TimeUnit.SECONDS.toNanos(30))).as("posted once the services answered one call").isTrue();
        servicesCatchUp.join();
    }

    @Test
    void theServicesAreBehindWhileHalfTheirMailboxIsNotTaken() {
        assertThat(link.behind()).isFalse();
        assertThat(post(0)).isTrue();
        assertThat(link.behind()).as("one of two slots waits to be taken").isTrue();
        services.poll(request -> request.reply(MailboxStatus.OK, 0), 1);
        assertThat(link.behind()).as("taken and answered").isFalse();
        assertThat(post(0)).isTrue();
        services.close();
        assertThat(link.behind()).as("services that are not running are not behind: the polls go on").isFalse();
    }

    @Test
    void aWaitThatSeesNoSlotFreeEndsInARefusal() {
        assertThat(post(0)).isTrue();
        assertThat(post(0)).isTrue();
        assertThat(post(TimeUnit.MILLISECONDS.toNanos(20))).isFalse();
    }
}
