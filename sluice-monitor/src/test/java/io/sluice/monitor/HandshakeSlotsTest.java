package io.sluice.monitor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The share of handshake places per address, and who gets a place given back; no sockets are opened. */
class HandshakeSlotsTest {
    private static final InetAddress HOG = address(1);
    private static final InetAddress OTHER = address(2);
    private static final InetAddress THIRD = address(3);

    private final List<SocketChannel> opened = new ArrayList<>();

    /** Stands for an accepted connection (never connected): the slots only hand it around. */
    private SocketChannel connection() throws Exception {
        SocketChannel channel = SocketChannel.open();
        opened.add(channel);
        return channel;
    }

    @AfterEach
    void close() throws Exception {
        for (SocketChannel channel : opened) {
            channel.close();
        }
    }

    @Test
    void anAddressBeyondItsShareWaitsWhileOthersStillGetPlaces() throws Exception {
        HandshakeSlots slots = new HandshakeSlots(4, 1);
        assertThat(slots.takeOrPark(connection(), HOG)).isTrue();
        assertThat(slots.takeOrPark(connection(), HOG))
                .as("its share is one place")
                .isFalse();
        assertThat(slots.takeOrPark(connection(), HOG)).isFalse();
        assertThat(slots.takeOrPark(connection(), OTHER))
                .as("another address is not held up")
                .isTrue();
        assertThat(slots.inProgress()).isEqualTo(2);
        assertThat(slots.waiting()).isEqualTo(2);
        assertThat(slots.hasRoom()).isTrue();
    }

    @Test
    void aPlaceGivenBackGoesToTheOldestConnectionWaitingForThatAddress() throws Exception {
        HandshakeSlots slots = new HandshakeSlots(4, 1);
        SocketChannel first = connection();
        SocketChannel second = connection();
        slots.takeOrPark(connection(), HOG);
        slots.takeOrPark(first, HOG);
        slots.takeOrPark(second, HOG);

        HandshakeSlots.Waiting next = slots.giveBack(HOG);
        assertThat(next.channel()).isSameAs(first);
        assertThat(next.source()).isEqualTo(HOG);
        assertThat(slots.inProgress()).as("the place passed on, not freed").isEqualTo(1);
        assertThat(slots.giveBack(HOG).channel()).isSameAs(second);
        assertThat(slots.giveBack(HOG)).as("nobody waits any more").isNull();
        assertThat(slots.inProgress()).isZero();
        assertThat(slots.waiting()).isZero();
    }

    @Test
    void anotherAddressGivingBackLetsNoWaitingConnectionOfAFullAddressIn() throws Exception {
        HandshakeSlots slots = new HandshakeSlots(4, 1);
        slots.takeOrPark(connection(), HOG);
        slots.takeOrPark(connection(), HOG);
        slots.takeOrPark(connection(), OTHER);
        assertThat(slots.giveBack(OTHER)).as("the hog still holds its share").isNull();
        assertThat(slots.waiting()).isEqualTo(1);
    }

    @Test
    void atTheGlobalBoundAWaitingConnectionGetsThePlaceBeforeTheAcceptorDoes() throws Exception {
        HandshakeSlots slots = new HandshakeSlots(2, 1);
        slots.takeOrPark(connection(), HOG);
        SocketChannel waiting = connection();
        slots.takeOrPark(waiting, HOG);
        slots.takeOrPark(connection(), OTHER);
        assertThat(slots.hasRoom()).isFalse();

        assertThat(slots.giveBack(HOG).channel()).isSameAs(waiting);
        assertThat(slots.hasRoom()).as("the bound still holds").isFalse();
        assertThat(slots.peak()).isEqualTo(2);
    }

    @Test
    void aPlaceFreedThatNoWaitingConnectionMayHaveIsTheAcceptorsToGive() throws Exception {
        HandshakeSlots slots = new HandshakeSlots(2, 1);
        slots.takeOrPark(connection(), HOG);
        slots.takeOrPark(connection(), OTHER);
        slots.takeOrPark(connection(), HOG);
        assertThat(slots.hasRoom()).isFalse();
        assertThat(slots.giveBack(OTHER)).as("the hog's share is still taken").isNull();
        assertThat(slots.hasRoom()).isTrue();
        assertThat(slots.takeOrPark(connection(), THIRD)).isTrue();
    }

    @Test
    void drainingHandsOverEveryWaitingConnection() throws Exception {
        HandshakeSlots slots = new HandshakeSlots(4, 1);
        slots.takeOrPark(connection(), HOG);
        slots.takeOrPark(connection(), HOG);
        slots.takeOrPark(connection(), HOG);
        assertThat(slots.drainWaiting()).hasSize(2).allMatch(w -> w.source().equals(HOG));
        assertThat(slots.waiting()).isZero();
    }

    @Test
    void aShareLargerThanTheBoundIsRefused() {
        assertThatThrownBy(() -> new HandshakeSlots(2, 3)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new HandshakeSlots(2, 0)).isInstanceOf(IllegalArgumentException.class);
    }

    private static InetAddress address(int last) {
        try {
            return InetAddress.getByAddress(new byte[] {10, 0, 0, (byte) last});
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }
}
