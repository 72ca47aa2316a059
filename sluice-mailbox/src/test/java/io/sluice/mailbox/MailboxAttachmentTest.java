package io.sluice.mailbox;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.common.ManualEpochClock;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A caller's attachment to a mailbox another process owns, driven by hand on a manual clock: it attaches when the file
 * appears, notices the file removed or created again, and looks at the file no more often than its interval.
 */
class MailboxAttachmentTest {
    private static final long LOOK_EVERY = 1_000;
    private final ManualEpochClock clock = new ManualEpochClock(1_000_000);
    private final List<String> failures = new ArrayList<>();
    private final List<Mailbox> owned = new ArrayList<>();
    private Path file;
    private MailboxAttachment<MailboxCaller> attachment;

    private void attachTo(Path mailboxFile) {
        file = mailboxFile;
        attachment = new MailboxAttachment<>(
                file, clock, LOOK_EVERY, mailbox -> MailboxCaller.attach(mailbox, 1), MailboxCaller::close);
    }

    /** The owner's side: creates the mailbox file, as a provider starting would. */
    private Mailbox ownerCreates() {
        Mailbox mailbox = Mailbox.create(file, TestMailboxes.small(), clock);
        owned.add(mailbox);
        return mailbox;
    }

    @AfterEach
    void cleanUp() throws IOException {
        attachment.close();
        for (Mailbox mailbox : owned) {
            mailbox.close();
        }
        Files.deleteIfExists(file);
    }

    @Test
    void attachesOnceTheFileAppearsLookingNoMoreOftenThanItsInterval() throws IOException {
        attachTo(TestMailboxes.newFile("attach"));
        assertThat(attachment.tryAttach(failures::add)).as("no file yet").isFalse();
        ownerCreates();
        assertThat(attachment.tryAttach(failures::add))
                .as("the file is not looked at again within the interval")
                .isFalse();
        clock.advance(LOOK_EVERY);
        assertThat(attachment.tryAttach(failures::add)).isTrue();
        assertThat(attachment.end()).isNotNull();
        assertThat(attachment.mailbox().file()).isEqualTo(file);
        assertThat(failures).isEmpty();
    }

    @Test
    void noticesTheFileCreatedAgainAndAttachesToTheNewOneAtOnce() throws IOException {
        attachTo(TestMailboxes.newFile("replaced"));
        Mailbox first = ownerCreates();
        assertThat(attachment.tryAttach(failures::add)).isTrue();
        Mailbox firstMapping = attachment.mailbox();
        clock.advance(LOOK_EVERY);
        assertThat(attachment.replaced()).as("the same file").isFalse();

        first.close();
        owned.remove(first);
        Files.delete(file);
        ownerCreates();
        assertThat(attachment.replaced())
                .as("not looked at within the interval")
                .isFalse();
        clock.advance(LOOK_EVERY);
        assertThat(attachment.replaced()).isTrue();

        attachment.detach();
        assertThat(attachment.attached()).isFalse();
        assertThat(attachment.tryAttach(failures::add))
                .as("looked for again at once")
                .isTrue();
        assertThat(attachment.mailbox()).isNotSameAs(firstMapping);
        clock.advance(LOOK_EVERY);
        assertThat(attachment.replaced()).as("the new file is the one mapped").isFalse();
    }

    @Test
    void aFileRemovedIsReplaced() throws IOException {
        attachTo(TestMailboxes.newFile("removed"));
        Mailbox mailbox = ownerCreates();
        assertThat(attachment.tryAttach(failures::add)).isTrue();
        mailbox.close();
        owned.remove(mailbox);
        Files.delete(file);
        clock.advance(LOOK_EVERY);
        assertThat(attachment.replaced()).isTrue();
    }

    @Test
    void aFileThatCannotBeOpenedIsToldAndTriedAgainLater() throws IOException {
        attachTo(TestMailboxes.newFile("garbage"));
        Files.write(file, new byte[] {1, 2, 3});
        assertThat(attachment.tryAttach(failures::add)).isFalse();
        assertThat(failures).singleElement().asString().startsWith("cannot attach to " + file);
        assertThat(attachment.mailbox()).isNull();

        Files.delete(file);
        ownerCreates();
        assertThat(attachment.tryAttach(failures::add))
                .as("within the interval")
                .isFalse();
        clock.advance(LOOK_EVERY);
        assertThat(attachment.tryAttach(failures::add)).isTrue();
    }

    @Test
    void aCallerEndThatIsRefusedLeavesNothingMapped() throws IOException {
        file = TestMailboxes.newFile("refused");
        attachment = new MailboxAttachment<>(
                file,
                clock,
                LOOK_EVERY,
                mailbox -> {
                    throw new IllegalStateException("caller index held");
                },
                end -> {});
        ownerCreates();
        assertThat(attachment.tryAttach(failures::add)).isFalse();
        assertThat(failures).singleElement().asString().endsWith("caller index held");
        assertThat(attachment.attached()).isFalse();
        assertThat(attachment.mailbox()).isNull();
    }
}
