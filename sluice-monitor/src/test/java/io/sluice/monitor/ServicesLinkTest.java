package io.sluice.monitor;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.mailbox.Mailbox;
import io.sluice.mailbox.MailboxCallee;
import io.sluice.mailbox.MailboxGeometry;
import io.sluice.mailbox.MailboxStatus;
import io.sluice.mailbox.ParamWriter;
import io.sluice.mailbox.SlotState;
import io.sluice.protocol.MailboxOpcodes;
import io.sluice.testkit.ShmNames;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The monitor's link to the services' mailbox: each pair posts under its own caller index and within its share of the
 * slots, collects its own replies, and a restarted link collects the replies of its predecessor's calls; a report
 * posted while there is no room waits (bounded) for a slot rather than being lost.
 */
class ServicesLinkTest {
    /** The monitor's own index, and its two pairs' (2 and 3). */
    private static final int OWN = 1;

    private static final int FIRST_PAIR = 2;
    private final Path file = ShmNames.file("link-services");
    private final Mailbox mailbox = Mailbox.create(file, new MailboxGeometry(8, 1024, 4, 2));
    private final MailboxCallee services = MailboxCallee.attach(mailbox);
    private final MonitorCounters counters = new MonitorCounters();
    private ServicesLink link = new ServicesLink(mailbox, OWN, FIRST_PAIR, 2, counters);

    @AfterEach
    void close() throws Exception {
        link.close();
        services.close();
        mailbox.close();
        Files.deleteIfExists(file);
    }

    private boolean post(int pair, int share, long waitNanos) {
        return link.pairCaller(pair)
                .post(MailboxOpcodes.SERVICES_STATS_BATCH, 1, ParamWriter.of(new byte[] {1}), share, waitNanos);
    }

    private int answerAll() {
        return services.poll(request -> request.reply(MailboxStatus.OK, 0), 100);
    }

    @Test
    void aPairPostsUnderItsOwnIndexAndCollectsItsOwnReplies() {
        assertThat(post(0, 8, 0)).isTrue();
        assertThat(post(1, 8, 0)).isTrue();
        assertThat(mailbox.slotInfo(0).callerIndex() + mailbox.slotInfo(1).callerIndex())
                .isEqualTo(FIRST_PAIR * 2 + 1);
        assertThat(link.pairCaller(0).inFlight()).isEqualTo(1);
        assertThat(answerAll()).isEqualTo(2);
        link.pairCaller(0).drain();
        assertThat(link.pairCaller(0).inFlight()).isZero();
        assertThat(link.pairCaller(1).inFlight())
                .as("pair 1's reply is pair 1's to collect")
                .isEqualTo(1);
        link.pairCaller(1).drain();
        assertThat(link.pairCaller(1).inFlight()).isZero();
    }

    @Test
    void aBurstOnOnePairStopsAtItsShareAndTheOtherPairStillPosts() {
        for (int i = 0; i < 4; i++) {
            assertThat(post(0, 4, 0)).as("post " + i + " of pair 0's burst").isTrue();
        }
        assertThat(post(0, 4, 0))
                .as("pair 0 holds its share, the mailbox has room")
                .isFalse();
        assertThat(counters.pairShareReached()).isEqualTo(1);
        for (int i = 0; i < 4; i++) {
            assertThat(post(1, 4, 0)).as("post " + i + " of pair 1").isTrue();
        }
        // Without shares the first burst could have taken every slot: now the mailbox is full, and only now.
        assertThat(post(1, 8, 0)).isFalse();
        assertThat(counters.pairShareReached()).isEqualTo(1);
        // The services answer: pair 0 collects its replies as it posts and has its share again.
        answerAll();
        assertThat(post(0, 4, 0)).isTrue();
    }

    @Test
    void aPairsShareIsAllButAReserveForEachOtherPair() {
        assertThat(ServicesLink.share(2048, 1)).as("alone: the whole mailbox").isEqualTo(2048);
        assertThat(ServicesLink.share(2048, 2))
                .as("beyond the half where polling pauses")
                .isEqualTo(1792);
        assertThat(ServicesLink.share(2048, 48)).isEqualTo(2048 - 47 * 10);
        assertThat(ServicesLink.share(8, 2))
                .as("a burst leaves the other pair of an 8-slot mailbox one slot")
                .isEqualTo(7);
    }

    @Test
    void aFullMailboxRefusesAtOnceWithoutAWaitAndTakesTheCallOnceASlotIsFree() throws Exception {
        for (int i = 0; i < 8; i++) {
            assertThat(post(0, 8, 0)).isTrue();
        }
        assertThat(post(0, 9, 0)).as("every slot taken").isFalse();
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
        assertThat(post(0, 9, TimeUnit.SECONDS.toNanos(30)))
                .as("posted once the services answered one call")
                .isTrue();
        servicesCatchUp.join();
    }

    @Test
    void theServicesAreBehindWhileHalfTheirMailboxIsNotTakenWhicheverPairPosted() {
        assertThat(link.behind()).isFalse();
        assertThat(post(0, 8, 0)).isTrue();
        assertThat(post(0, 8, 0)).isTrue();
        assertThat(post(1, 8, 0)).isTrue();
        assertThat(link.behind()).isFalse();
        assertThat(link.post(MailboxOpcodes.SERVICES_GATEWAY_STATE, 1, ParamWriter.of(new byte[] {1})))
                .isTrue();
        assertThat(link.behind()).as("four of eight slots wait to be taken").isTrue();
        answerAll();
        assertThat(link.behind()).as("taken and answered").isFalse();
        assertThat(post(1, 8, 0)).isTrue();
        assertThat(post(1, 8, 0)).isTrue();
        assertThat(post(1, 8, 0)).isTrue();
        assertThat(post(1, 8, 0)).isTrue();
        services.close();
        assertThat(link.behind())
                .as("services that are not running hold the calls too: polls pause, gateways keep their counters")
                .isTrue();
    }

    @Test
    void aWaitThatSeesNoRoomEndsInARefusal() {
        assertThat(post(0, 1, 0)).isTrue();
        assertThat(post(0, 1, TimeUnit.MILLISECONDS.toNanos(20))).isFalse();
    }

    @Test
    void aRestartedLinkCollectsThePredecessorsCallsUnderEveryPairIndex() throws Exception {
        assertThat(post(0, 8, 0)).isTrue();
        assertThat(post(0, 8, 0)).isTrue();
        assertThat(post(1, 8, 0)).isTrue();
        // One call answered while its caller is gone, the others after the successor attached.
        services.poll(request -> request.reply(MailboxStatus.OK, 0), 1);
        link.close();
        link = new ServicesLink(mailbox, OWN, FIRST_PAIR, 2, counters);
        assertThat(link.inherited()).isEqualTo(3);
        assertThat(link.inheritedOutstanding()).isEqualTo(3);
        answerAll();
        // Pairs not running: the conductor's step collects for them.
        link.drainIdle(0);
        assertThat(link.inheritedOutstanding()).isZero();
        assertThat(link.pairCaller(0).inFlight())
                .as("a predecessor's call is not this pair's")
                .isZero();
        for (int slot = 0; slot < 8; slot++) {
            assertThat(mailbox.slotInfo(slot).state()).as("slot " + slot).isEqualTo(SlotState.FREE);
        }
        for (int i = 0; i < 4; i++) {
            assertThat(post(0, 4, 0)).as("the whole share is the successor's").isTrue();
        }
    }
}
