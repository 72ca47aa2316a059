package io.sluice.monitor;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The ready list an owner works from the front of and idle threads take from the back of. */
class ReadySessionsTest {
    /** One unconnected channel for every session: the list never touches it. */
    private final SocketChannel channel;

    ReadySessionsTest() throws IOException {
        channel = SocketChannel.open();
    }

    @AfterEach
    void close() throws IOException {
        channel.close();
    }

    private Session session(int id) {
        return new Session(id, channel, InetAddress.getLoopbackAddress(), null, null, 1 << 16, 0);
    }

    @Test
    void theOwnerTakesFromTheFrontOthersFromTheBackAndNothingTwice() throws Exception {
        ReadySessions ready = new ReadySessions(8);
        Session[] sessions = new Session[4];
        for (int i = 0; i < 4; i++) {
            sessions[i] = session(i);
            ready.put(i, sessions[i]);
        }
        assertThat(ready.remaining()).as("nothing before it is published").isZero();
        ready.publish(4);
        assertThat(ready.takeFirst()).isSameAs(sessions[0]);
        assertThat(ready.takeLast()).isSameAs(sessions[3]);
        assertThat(ready.remaining()).isEqualTo(2);
        assertThat(ready.takeLast()).isSameAs(sessions[2]);
        assertThat(ready.takeFirst()).isSameAs(sessions[1]);
        assertThat(ready.takeFirst()).isNull();
        assertThat(ready.takeLast()).isNull();
        assertThat(ready.remaining()).isZero();
    }

    @Test
    void concurrentTakersNeverTakeTheSamePlace() throws Exception {
        int n = 4_000;
        ReadySessions ready = new ReadySessions(n);
        for (int i = 0; i < n; i++) {
            ready.put(i, session(i));
        }
        ready.publish(n);
        Set<Session> taken = ConcurrentHashMap.newKeySet();
        List<Thread> takers = new ArrayList<>();
        int[] duplicates = new int[1];
        for (int t = 0; t < 4; t++) {
            boolean front = t == 0;
            takers.add(Thread.ofPlatform().start(() -> {
                Session s;
                while ((s = front ? ready.takeFirst() : ready.takeLast()) != null) {
                    if (!taken.add(s)) {
                        synchronized (duplicates) {
                            duplicates[0]++;
                        }
                    }
                }
            }));
        }
        for (Thread taker : takers) {
            taker.join();
        }
        assertThat(duplicates[0]).isZero();
        assertThat(taken).hasSize(n);
    }
}
