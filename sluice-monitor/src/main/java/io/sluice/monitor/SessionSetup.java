package io.sluice.monitor;

import io.sluice.pki.CertificateRequest;
import io.sluice.pki.Certificates;
import io.sluice.pki.KeyMaterialException;
import io.sluice.pki.TlsException;
import io.sluice.protocol.AuthCheck;
import io.sluice.protocol.AuthOutcome;
import io.sluice.protocol.AuthReader;
import io.sluice.protocol.AuthReason;
import io.sluice.protocol.Authenticator;
import io.sluice.protocol.EnrollReader;
import io.sluice.protocol.FrameDecoder;
import io.sluice.protocol.FrameDescriptor;
import io.sluice.protocol.FrameType;
import io.sluice.protocol.GatewayCertificateName;
import io.sluice.protocol.GatewayKeys;
import io.sluice.protocol.GatewayStateDescriptor.GatewayState;
import io.sluice.protocol.HelloReader;
import io.sluice.protocol.VolumeDescriptor;
import io.sluice.protocol.VolumeIdsDescriptor;
import io.sluice.protocol.VolumesDescriptor;
import io.sluice.protocol.VolumesReader;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * How a connection becomes a session, on its inbound thread: the TLS handshake and the client certificate's name, HELLO
 * (a challenge, or at a standby a referral), AUTH (the key, the registry's admission) or ENROLL (the key and an
 * enrollment token, for a certificate from {@link CertificateIssuer}), VOLUMES (ids, shared names, the session opened).
 * One per inbound thread, with its {@link Authenticator} and readers: only that thread uses it (CONCURRENCY.md).
 */
final class SessionSetup {
    private static final System.Logger LOG = System.getLogger(InboundThread.class.getName());

    private final MonitorDaemon daemon;
    private final Authenticator authenticator;
    private final AuthReader authReader = new AuthReader();
    private final EnrollReader enrollReader = new EnrollReader();
    private final HelloReader helloReader = new HelloReader();
    private final VolumesReader volumesReader = new VolumesReader();

    private final CertificateIssuer certificates;

    SessionSetup(MonitorDaemon daemon, CertificateIssuer certificates) {
        this.daemon = daemon;
        this.certificates = certificates;
        this.authenticator = new Authenticator(daemon.clock(), daemon.context().handshakeTimeoutMillis());
    }

    /**
     * One step of a TLS handshake, on this thread alone (the outbound thread has nothing to send before HELLO); true
     * once it is done and the client certificate names a gateway.
     */
    boolean handshake(Session session, SelectionKey key) {
        try {
            switch (session.tls.handshake()) {
                case NEED_READ -> {
                    key.interestOps(SelectionKey.OP_READ);
                    return false;
                }
                case NEED_WRITE -> {
                    key.interestOps(SelectionKey.OP_READ | SelectionKey.OP_WRITE);
                    return false;
                }
                case DONE -> {
                    key.interestOps(SelectionKey.OP_READ);
                    daemon.acceptor().tlsHandshakeDone(session);
                }
            }
        } catch (TlsException e) {
            daemon.counters().authRefused.increment();
            daemon.closeSession(session, "TLS handshake refused: " + e.getMessage());
            return false;
        } catch (IOException e) {
            daemon.closeSession(session, "TLS handshake failed: " + e.getMessage());
            return false;
        }
        X509Certificate peer = session.tls.peerCertificate();
        if (peer == null && daemon.context().tls().certificates() != null) {
            // Let through without a certificate to enroll for one, and for nothing else (see auth).
            session.enrolling = true;
            return true;
        }
        long certified = peer == null ? 0 : GatewayCertificateName.gatewayId(Certificates.commonName(peer));
        if (certified == 0) {
            daemon.counters().authRefused.increment();
            daemon.closeSession(
                    session,
                    "client certificate names no gateway: "
                            + (peer == null
                                    ? "none"
                                    : peer.getSubjectX500Principal().getName()));
            return false;
        }
        if (daemon.context().tls().revocations().isRevoked(peer.getSerialNumber())) {
            // Only a resumed session skips the trust manager's check; the monitor sends no tickets, but be sure.
            daemon.counters().authRefused.increment();
            daemon.closeSession(session, "client certificate revoked");
            return false;
        }
        session.certifiedGatewayId = certified;
        session.certificateSerial = peer.getSerialNumber();
        session.certificateNotAfter = peer.getNotAfter().getTime();
        return true;
    }

    /** In AWAIT_AUTH: AUTH, or ENROLL on a connection without a client certificate. */
    void auth(Session session, FrameDecoder decoder, FrameType type) {
        if (type == FrameType.ENROLL && session.enrolling) {
            enroll(session, decoder);
        } else if (type == FrameType.AUTH && session.enrolling) {
            // No certificate, no session: say why, so the gateway's log tells its operator.
            refuse(session, AuthOutcome.REFUSED, AuthReason.CERTIFICATE_REQUIRED);
        } else if (type != FrameType.AUTH) {
            protocolViolation(
                    session,
                    "expected AUTH, got " + type
                            + (type == FrameType.ENROLL ? " (only on a connection without a client certificate)" : ""));
        } else {
            authenticate(session, decoder);
        }
    }

    /** In AWAIT_VOLUMES: VOLUMES opens the session; true once it is open (its volumes are then announced). */
    boolean volumes(Session session, FrameDecoder decoder, FrameType type) {
        if (type != FrameType.VOLUMES) {
            protocolViolation(session, "expected VOLUMES, got " + type);
            return false;
        }
        return register(session, decoder);
    }

    /**
     * In AWAIT_HELLO: HELLO, the first frame: the gateway says who it is and is challenged (or, at a standby,
     * referred).
     */
    void hello(Session session, FrameDecoder decoder, FrameType type) {
        if (type != FrameType.HELLO) {
            protocolViolation(session, "expected HELLO, got " + type);
            return;
        }
        if (session.tls != null && !session.enrolling && decoder.gatewayId() != session.certifiedGatewayId) {
            daemon.counters().authRefused.increment();
            protocolViolation(
                    session,
                    "HELLO from gateway " + Long.toUnsignedString(decoder.gatewayId())
                            + " over a connection certified for gateway "
                            + Long.toUnsignedString(session.certifiedGatewayId));
            return;
        }
        session.gatewayId = decoder.gatewayId();
        if (daemon.role().standby()) {
            // Not the active server: no challenge, no copy of HELLO, nothing kept; name the active and close.
            session.state = Session.State.REFERRED;
            session.standbyDue = true;
            daemon.counters().standbyReferrals.increment();
            session.schedule();
            return;
        }
        session.helloVolumes = helloReader.wrap(decoder).volumeCount();
        session.hello = copy(decoder);
        authenticator.issue(session.challenge, session.gatewayId);
        session.state = Session.State.AWAIT_AUTH;
        session.challengeDue = true;
        session.schedule();
    }

    private void authenticate(Session session, FrameDecoder decoder) {
        authReader.wrap(decoder);
        byte[] key = GatewayKeys.derive(daemon.context().deploymentSecret(), session.gatewayId);
        AuthCheck check = authenticator.verify(session.challenge, key, authReader.buffer(), authReader.answerOffset());
        if (check != AuthCheck.VALID) {
            refuse(session, AuthOutcome.REFUSED, refusalOf(check));
            return;
        }
        if (session.helloVolumes > daemon.context().maxVolumesPerGateway()) {
            daemon.warnings().tooManyVolumes(session.gatewayId, session.helloVolumes);
            refuse(session, AuthOutcome.REFUSED, AuthReason.TOO_MANY_VOLUMES);
            return;
        }
        GatewayRegistry.Admission admission = daemon.registry()
                .admit(session.gatewayId, authReader.enrollmentTokenLength() > 0 ? authReader.enrollmentToken() : null);
        if (!admission.accepted()) {
            session.hello = null;
            refuse(
                    session,
                    admission.reason() == AuthReason.AWAITING_APPROVAL ? AuthOutcome.PENDING : AuthOutcome.REFUSED,
                    admission.reason());
            return;
        }
        session.gatewayName = helloReader.wrap(session.hello, 0).gatewayName();
        session.capabilities = helloReader.capabilities();
        session.hello = null;
        // Proved its key: from here on the gateway may send frames of any type and size.
        decoder.authenticated();
        daemon.acceptor().authenticated(session);
        session.state = Session.State.AWAIT_VOLUMES;
        session.authReasonDue = AuthReason.NONE;
        session.authOutcomeDue = AuthOutcome.ACCEPTED;
        session.schedule();
    }

    /**
     * ENROLL, on a connection without a client certificate: the gateway proves its key as in AUTH, uses up an
     * enrollment token and gets a certificate for the id of its HELLO; the connection then closes. A request that does
     * not parse is refused before the token is used, so a gateway with a bug does not burn it.
     */
    private void enroll(Session session, FrameDecoder decoder) {
        enrollReader.wrap(decoder);
        byte[] key = GatewayKeys.derive(daemon.context().deploymentSecret(), session.gatewayId);
        AuthCheck check =
                authenticator.verify(session.challenge, key, enrollReader.buffer(), enrollReader.answerOffset());
        session.hello = null;
        if (check != AuthCheck.VALID) {
            refuse(session, AuthOutcome.REFUSED, refusalOf(check));
            return;
        }
        CertificateRequest request;
        try {
            request = GatewayCertificates.parse(enrollReader.request());
        } catch (KeyMaterialException e) {
            certificates.refuseCertificate(session, AuthReason.BAD_CERTIFICATE_REQUEST, e.getMessage());
            return;
        }
        GatewayRegistry.Admission admission =
                daemon.registry().enrolForCertificate(session.gatewayId, enrollReader.enrollmentToken());
        if (!admission.accepted()) {
            refuse(session, AuthOutcome.REFUSED, admission.reason());
            return;
        }
        certificates.issueCertificate(session, request, "enrollment");
    }

    private static AuthReason refusalOf(AuthCheck check) {
        return switch (check) {
            case REPLAYED -> AuthReason.REPLAYED;
            case EXPIRED -> AuthReason.EXPIRED;
            default -> AuthReason.WRONG_ANSWER;
        };
    }

    /** VOLUMES, from an accepted gateway: assign its volumes' ids and open the session; true once it is open. */
    private boolean register(Session session, FrameDecoder decoder) {
        VolumesReader volumes = volumesReader.wrap(decoder);
        if (volumes.volumeCount() != session.helloVolumes) {
            protocolViolation(
                    session,
                    "VOLUMES carries " + volumes.volumeCount() + " volumes, HELLO said " + session.helloVolumes);
            return false;
        }
        session.volumes = copy(decoder);
        GatewayRegistry registry = daemon.registry();
        session.volumeIds = daemon.volumeIdentities()
                .assign(session.gatewayId, volumesReader.wrap(session.volumes, 0), registry::mayServeShared);
        if (session.volumeIds == VolumeIdentities.DATABASE_AWAY) {
            // Not the gateway's doing: it registers again after its back-off, by when the database may answer.
            daemon.closeSession(session, "volume ids: the database cannot be asked");
            return false;
        }
        if (session.volumeIds == null) {
            daemon.warnings().tooManyVolumeNames(session.gatewayId);
            daemon.closeSession(session, "too many volume names");
            return false;
        }
        session.announcedIds = withoutRefused(session);
        session.declaredIds = session.announcedIds.clone();
        Arrays.sort(session.declaredIds);
        daemon.gatewaySessions().openSession(session);
        return true;
    }

    /**
     * The ids of the volumes the gateway may speak for, in VOLUMES' order; when some were refused, they are also taken
     * out of the session's copy of VOLUMES (which the services are told), and counted and logged by name.
     */
    private int[] withoutRefused(Session session) {
        int[] ids = session.volumeIds;
        int kept = 0;
        for (int id : ids) {
            kept += id == VolumeIdsDescriptor.REFUSED ? 0 : 1;
        }
        if (kept == ids.length) {
            return ids;
        }
        VolumesReader announced = volumesReader.wrap(session.volumes, 0);
        ByteBuffer served = ByteBuffer.allocate(VolumesDescriptor.frameLength(kept));
        served.put(0, session.volumes, 0, VolumesDescriptor.VOLUMES_OFFSET);
        served.putInt(FrameDescriptor.LENGTH_OFFSET, served.capacity());
        served.putInt(VolumesDescriptor.VOLUME_COUNT_OFFSET, kept);
        int[] servedIds = new int[kept];
        List<String> refused = new ArrayList<>();
        for (int i = 0, next = 0; i < ids.length; i++) {
            if (ids[i] == VolumeIdsDescriptor.REFUSED) {
                refused.add(announced.volumeName(i));
            } else {
                served.put(
                        VolumesDescriptor.volumeOffset(next),
                        session.volumes,
                        VolumesDescriptor.volumeOffset(i),
                        VolumeDescriptor.LENGTH);
                servedIds[next++] = ids[i];
            }
        }
        session.volumes = served;
        daemon.warnings().sharedVolumesRefused(session.gatewayId, refused);
        return servedIds;
    }

    private static ByteBuffer copy(FrameDecoder decoder) {
        ByteBuffer copy = ByteBuffer.allocate(decoder.frameLength());
        copy.put(0, decoder.buffer(), decoder.frameOffset(), decoder.frameLength());
        return copy;
    }

    private void refuse(Session session, AuthOutcome outcome, AuthReason reason) {
        if (outcome == AuthOutcome.PENDING) {
            daemon.counters().authPending.increment();
            daemon.gatewaySessions().reportState(session.gatewayId, GatewayState.PENDING_APPROVAL, reason.code());
        } else {
            daemon.counters().authRefused.increment();
            daemon.gatewaySessions().reportState(session.gatewayId, GatewayState.REFUSED, reason.code());
        }
        session.authReasonDue = reason;
        session.authOutcomeDue = outcome;
        session.schedule();
    }

    void protocolViolation(Session session, String what) {
        daemon.counters().framesRefused.increment();
        daemon.closeSession(session, "protocol violation: " + what);
    }
}
