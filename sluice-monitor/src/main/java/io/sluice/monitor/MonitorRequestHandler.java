package io.sluice.monitor;

import io.sluice.mailbox.MailboxCallee;
import io.sluice.mailbox.MailboxStatus;
import io.sluice.mailbox.ParamWriter;
import io.sluice.mailbox.RequestHandler;
import io.sluice.protocol.FrameDescriptor;
import io.sluice.protocol.FrameType;
import io.sluice.protocol.MailboxOpcodes;
import io.sluice.protocol.MonitorStatusDescriptor;
import io.sluice.protocol.ThrottleSetDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.concurrent.RejectedExecutionException;

/** Serves the monitor's mailbox: throttle sets from the services, approvals, status. */
final class MonitorRequestHandler implements RequestHandler {
    private static final ValueLayout.OfLong BIG_LONG = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private final MonitorDaemon daemon;

    MonitorRequestHandler(MonitorDaemon daemon) {
        this.daemon = daemon;
    }

    @Override
    public void onRequest(MailboxCallee.Request request) {
        switch (request.opcode()) {
            case MailboxOpcodes.MONITOR_THROTTLE_SET -> throttle(request);
            case MailboxOpcodes.MONITOR_APPROVE_GATEWAY, MailboxOpcodes.MONITOR_REVOKE_GATEWAY -> standing(request);
            case MailboxOpcodes.MONITOR_POLL_NOW -> pollNow(request);
            case MailboxOpcodes.MONITOR_POLL_GATEWAY -> pollGateway(request);
            case MailboxOpcodes.MONITOR_STATUS -> status(request);
            case MailboxOpcodes.MONITOR_ADD_ENROLLMENT_TOKEN -> enrollmentToken(request);
            case MailboxOpcodes.MONITOR_BIND_SHARED_VOLUME, MailboxOpcodes.MONITOR_UNBIND_SHARED_VOLUME ->
                sharedVolume(request);
            case MailboxOpcodes.MONITOR_PROMOTE -> promote(request);
            default -> request.reply(MailboxStatus.UNKNOWN_OPCODE, 0);
        }
    }

    private void promote(MailboxCallee.Request request) {
        boolean promoted = request.length() == Long.BYTES
                && daemon.promote(request.params().get(BIG_LONG, 0));
        request.reply(promoted ? MailboxStatus.OK : MailboxOpcodes.NOT_STANDBY, 0);
    }

    private void throttle(MailboxCallee.Request request) {
        int length = request.length();
        MemorySegment params = request.params();
        if (length < ThrottleSetDescriptor.VOLUMES_OFFSET) {
            request.reply(MailboxStatus.BAD_REQUEST, 0);
            return;
        }
        byte[] frame = params.asSlice(0, length).toArray(ValueLayout.JAVA_BYTE);
        ByteBuffer buffer = ByteBuffer.wrap(frame);
        int volumes = buffer.getInt(ThrottleSetDescriptor.VOLUME_COUNT_OFFSET);
        long gatewayId = buffer.getLong(FrameDescriptor.GATEWAY_ID_OFFSET);
        boolean wellFormed = buffer.getInt(FrameDescriptor.LENGTH_OFFSET) == length
                && (buffer.get(FrameDescriptor.TYPE_OFFSET) & 0xFF) == FrameType.THROTTLE_SET.code()
                && (buffer.get(FrameDescriptor.VERSION_OFFSET) & 0xFF) == FrameDescriptor.PROTOCOL_VERSION
                && gatewayId != 0
                && volumes >= 0
                && length
                        == ThrottleSetDescriptor.VOLUMES_OFFSET
                                + (long) volumes * ThrottleSetDescriptor.VOLUME_RECORD_LENGTH;
        if (!wellFormed) {
            request.reply(MailboxStatus.BAD_REQUEST, 0);
            return;
        }
        long handle = request.defer();
        if (!daemon.gatewaySessions().submitThrottle(gatewayId, frame, handle)) {
            daemon.completeThrottle(handle, MailboxOpcodes.THROTTLE_STORED, ParamWriter.EMPTY);
        }
    }

    /** A sweep now; with the caller's interval, the monitor's timer waits for the caller's next request. */
    private void pollNow(MailboxCallee.Request request) {
        long interval = 0;
        if (request.length() == Long.BYTES) {
            interval = request.params().get(BIG_LONG, 0);
            if (interval < 1 || interval > MailboxOpcodes.MAX_POLL_HOLD_MILLIS) {
                request.reply(MailboxStatus.BAD_REQUEST, 0);
                return;
            }
        } else if (request.length() != 0) {
            request.reply(MailboxStatus.BAD_REQUEST, 0);
            return;
        }
        daemon.requestSweep(interval);
        request.reply(MailboxStatus.OK, 0);
    }

    private void pollGateway(MailboxCallee.Request request) {
        long gatewayId = request.length() == Long.BYTES ? request.params().get(BIG_LONG, 0) : 0;
        if (gatewayId == 0) {
            request.reply(MailboxOpcodes.BAD_GATEWAY_ID, 0);
            return;
        }
        boolean asked = daemon.requestGatewayPoll(gatewayId);
        request.reply(asked ? MailboxStatus.OK : MailboxOpcodes.GATEWAY_NOT_IN_SESSION, 0);
    }

    private void standing(MailboxCallee.Request request) {
        if (request.length() != Long.BYTES) {
            request.reply(MailboxOpcodes.BAD_GATEWAY_ID, 0);
            return;
        }
        long gatewayId = request.params().get(BIG_LONG, 0);
        if (gatewayId == 0) {
            request.reply(MailboxOpcodes.BAD_GATEWAY_ID, 0);
            return;
        }
        boolean approve = request.opcode() == MailboxOpcodes.MONITOR_APPROVE_GATEWAY;
        change(request, () -> {
            if (approve) {
                daemon.registry().approve(gatewayId);
            } else {
                daemon.gatewaySessions().revoke(gatewayId);
            }
            return MailboxStatus.OK;
        });
    }

    /** A registry change that answers with a status, or fails with why it was not saved. */
    @FunctionalInterface
    private interface Change {
        int make() throws GatewayRegistry.NotSavedException;
    }

    /**
     * Makes a registry change on the registry's thread, in the order the calls came (it may wait for the database, and
     * the mailbox thread never does), and answers the deferred call once it is on record or refused.
     */
    private void change(MailboxCallee.Request request, Change change) {
        long handle = request.defer();
        try {
            daemon.registry().submit(() -> {
                try {
                    daemon.completeCall(handle, change.make(), ParamWriter.EMPTY);
                } catch (GatewayRegistry.NotSavedException e) {
                    notSaved(handle, e);
                } catch (RuntimeException e) {
                    daemon.completeCall(handle, MailboxStatus.CALLEE_FAILED, ParamWriter.of(reason(e.toString())));
                }
            });
        } catch (RejectedExecutionException closing) {
            daemon.completeCall(handle, MailboxStatus.CALLEE_FAILED, ParamWriter.of(reason("the monitor is stopping")));
        }
    }

    private void sharedVolume(MailboxCallee.Request request) {
        if (request.length() < Long.BYTES || request.params().get(BIG_LONG, 0) == 0) {
            request.reply(MailboxOpcodes.BAD_GATEWAY_ID, 0);
            return;
        }
        long gatewayId = request.params().get(BIG_LONG, 0);
        byte[] nameBytes = request.params()
                .asSlice(Long.BYTES, request.length() - Long.BYTES)
                .toArray(ValueLayout.JAVA_BYTE);
        String name;
        try {
            name = StandardCharsets.UTF_8
                    .newDecoder()
                    .decode(ByteBuffer.wrap(nameBytes))
                    .toString();
        } catch (CharacterCodingException e) {
            name = null;
        }
        if (!GatewayRegistry.Binding.isVolumeName(name)) {
            request.reply(MailboxOpcodes.BAD_VOLUME_NAME, 0);
            return;
        }
        String volumeName = name;
        boolean bind = request.opcode() == MailboxOpcodes.MONITOR_BIND_SHARED_VOLUME;
        change(request, () -> {
            if (bind) {
                daemon.gatewaySessions().bindShared(volumeName, gatewayId);
            } else {
                daemon.gatewaySessions().unbindShared(volumeName, gatewayId);
            }
            return MailboxStatus.OK;
        });
    }

    /**
     * The caller (the web, an operator's tool) learns that the change is not on record, and why: REGISTRY_UNAVAILABLE
     * when the registry's database cannot be reached (try again later), CALLEE_FAILED when its file cannot be written.
     */
    private void notSaved(long handle, GatewayRegistry.NotSavedException e) {
        daemon.completeCall(
                handle,
                e.unavailable() ? MailboxOpcodes.REGISTRY_UNAVAILABLE : MailboxStatus.CALLEE_FAILED,
                ParamWriter.of(reason(e.getMessage())));
    }

    /** A reason in UTF-8, cut to what a slot holds. */
    private static byte[] reason(String text) {
        byte[] message = text.getBytes(StandardCharsets.UTF_8);
        int capacity = MonitorDaemon.MONITOR_MAILBOX.paramCapacity();
        return message.length <= capacity ? message : Arrays.copyOf(message, capacity);
    }

    private void enrollmentToken(MailboxCallee.Request request) {
        if (request.length() != MailboxOpcodes.ENROLLMENT_TOKEN_HASH_LENGTH) {
            request.reply(MailboxStatus.BAD_REQUEST, 0);
            return;
        }
        String hash = HexFormat.of()
                .formatHex(request.params().asSlice(0, request.length()).toArray(ValueLayout.JAVA_BYTE));
        change(request, () -> daemon.registry().addToken(hash) ? MailboxStatus.OK : MailboxOpcodes.TOKEN_ALREADY_USED);
    }

    private void status(MailboxCallee.Request request) {
        MonitorCounters c = daemon.counters();
        MemorySegment out = request.params();
        long[] values = new long[MonitorStatusDescriptor.LENGTH / Long.BYTES];
        values[MonitorStatusDescriptor.IN_SESSION_OFFSET / 8] = daemon.sessionsInSession();
        values[MonitorStatusDescriptor.CONNECTIONS_OFFSET / 8] = daemon.connections();
        values[MonitorStatusDescriptor.PENDING_OFFSET / 8] = daemon.pendingApprovals();
        values[MonitorStatusDescriptor.UNREACHABLE_OFFSET / 8] = daemon.unreachableGateways();
        values[MonitorStatusDescriptor.POLLS_SENT_OFFSET / 8] = c.pollsSent();
        values[MonitorStatusDescriptor.POLLS_ANSWERED_OFFSET / 8] = c.pollsAnswered();
        values[MonitorStatusDescriptor.FRAMES_REFUSED_OFFSET / 8] = c.framesRefused();
        values[MonitorStatusDescriptor.THROTTLES_SENT_OFFSET / 8] = c.throttlesSent();
        values[MonitorStatusDescriptor.THROTTLES_ACKED_OFFSET / 8] = c.throttlesAcked();
        values[MonitorStatusDescriptor.PAIRS_OFFSET / 8] = daemon.pairCount();
        values[MonitorStatusDescriptor.REPORTS_DROPPED_OFFSET / 8] = c.reportsDropped();
        values[MonitorStatusDescriptor.VOLUMES_DROPPED_OFFSET / 8] = c.volumesDropped();
        values[MonitorStatusDescriptor.REPORTS_LOST_OFFSET / 8] = c.reportsLost();
        values[MonitorStatusDescriptor.REPORTS_REFUSED_OFFSET / 8] = c.reportsRefused();
        values[MonitorStatusDescriptor.REGISTRY_UNUSABLE_OFFSET / 8] =
                daemon.registry().unusable() == null ? 0 : 1;
        values[MonitorStatusDescriptor.REGISTRY_WRITES_FAILED_OFFSET / 8] =
                daemon.registry().writesFailed();
        values[MonitorStatusDescriptor.VOLUME_LIMIT_REFUSALS_OFFSET / 8] = c.volumeLimitRefusals();
        values[MonitorStatusDescriptor.UNAUTHENTICATED_OFFSET / 8] = daemon.unauthenticatedConnections();
        values[MonitorStatusDescriptor.UNAUTHENTICATED_REFUSED_OFFSET / 8] = c.unauthenticatedRefused();
        values[MonitorStatusDescriptor.HANDSHAKE_TIMEOUTS_OFFSET / 8] = c.handshakeTimeouts();
        values[MonitorStatusDescriptor.HANDSHAKES_IN_PROGRESS_OFFSET / 8] = daemon.handshakesInProgress();
        values[MonitorStatusDescriptor.HANDSHAKE_BOUND_REACHED_OFFSET / 8] = c.handshakeBoundReached();
        values[MonitorStatusDescriptor.CERTIFICATES_ISSUED_OFFSET / 8] = c.certificatesIssued();
        values[MonitorStatusDescriptor.CERTIFICATES_REFUSED_OFFSET / 8] = c.certificatesRefused();
        values[MonitorStatusDescriptor.HANDSHAKES_WAITING_OFFSET / 8] = daemon.handshakesWaiting();
        values[MonitorStatusDescriptor.HANDSHAKES_WAITED_OFFSET / 8] = c.handshakesWaited();
        values[MonitorStatusDescriptor.CERTIFICATES_EXPIRED_IN_SESSION_OFFSET / 8] = c.certificatesExpiredInSession();
        values[MonitorStatusDescriptor.SHARED_VOLUMES_REFUSED_OFFSET / 8] = c.sharedVolumesRefused();
        MonitorRole role = daemon.role();
        values[MonitorStatusDescriptor.STANDBY_OFFSET / 8] = role.standby() ? 1 : 0;
        values[MonitorStatusDescriptor.EPOCH_OFFSET / 8] = role.epoch();
        values[MonitorStatusDescriptor.STANDBY_REFERRALS_OFFSET / 8] = c.standbyReferrals();
        for (int i = 0; i < values.length; i++) {
            out.set(BIG_LONG, i * 8L, values[i]);
        }
        request.reply(MailboxStatus.OK, MonitorStatusDescriptor.LENGTH);
    }
}
