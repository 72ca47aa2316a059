package io.sluice.protocol;

/** The two ends of a connection: who sends a frame, and whose frames a decoder reads. */
public enum Peer {
    GATEWAY,
    MONITOR
}
