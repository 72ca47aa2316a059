/**
 * The wire protocol between I/O performance gateways and the performance monitor daemon: binary, length-prefixed,
 * versioned frames over TCP. Start with {@link io.sluice.protocol.FrameDescriptor} for the common header and
 * {@link io.sluice.protocol.FrameType} for the list of frames, each of which has a {@code *Descriptor} drawing its
 * body. Frames are read with {@link io.sluice.protocol.FrameDecoder} and one {@code *Reader} flyweight per frame type,
 * and written with one {@code *Writer} per frame type into a caller's buffer. {@link io.sluice.protocol.Authenticator}
 * does the challenge-response that follows HELLO.
 *
 * <p>A connection runs: gateway HELLO, monitor CHALLENGE, gateway AUTH, monitor AUTH_RESULT; once accepted, gateway
 * VOLUMES, monitor VOLUME_IDS; then the monitor sends POLL and THROTTLE_SET, the gateway answers STATS and THROTTLE_ACK
 * and may send EVENT at any time, and either side sends HEARTBEAT when it has been quiet. A gateway without a client
 * certificate sends ENROLL instead of AUTH and gets CERTIFICATE, then connects again with it; in session it may RENEW
 * it (SESSION.md). A standby monitor answers HELLO with STANDBY, naming the active one. Which frame may come when is
 * the session's business (sluice-monitor, sluice-gateway); this package says what a well-formed frame is, and holds the
 * gateway's side of a session without I/O, which both gateways (sluice-gateway's link and the simulator) drive:
 * {@link io.sluice.protocol.GatewaySession} (the phase machine; its handshake and open phases are
 * {@code SessionHandshake} and {@code OpenSession}), {@link io.sluice.protocol.MonitorRotation} (which monitor to dial
 * next) and {@link io.sluice.protocol.EpochFence} (which fencing epochs to obey).
 */
package io.sluice.protocol;
