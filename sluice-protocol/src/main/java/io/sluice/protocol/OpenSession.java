package io.sluice.protocol;

import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.Map;

/**
 * The established phase of a {@link GatewaySession} (SESSION.md, from VOLUME_IDS on): the volume ids the monitor
 * assigned, STATS in answer to POLL, THROTTLE_ACK in answer to THROTTLE_SET and the capacity-warning EVENTs. The ids
 * and the report sequence last across connections, so a reconnected gateway proposes the ids it had and its reports
 * count on. Answering a POLL or a THROTTLE_SET allocates nothing.
 */
final class OpenSession {
    private final SessionWire wire;
    private final SessionVolumes volumes;
    private final EpochFence fence;
    /** By position: the id proposed, then the one the monitor assigned (VolumeIdsDescriptor.REFUSED: left out). */
    private final int[] ids;

    private final Map<Integer, Integer> positionsById = new HashMap<>();
    private long reportSequence;
    private long reportedAtMillis;
    private long eventsSent;

    OpenSession(SessionWire wire, SessionVolumes volumes, EpochFence fence, long startMillis) {
        this.wire = wire;
        this.volumes = volumes;
        this.fence = fence;
        this.reportedAtMillis = startMillis;
        this.ids = new int[volumes.count()];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = volumes.proposedId(i);
        }
    }

    /** Writes VOLUMES (every volume, with the id it has now); false when the outbox had no room. */
    boolean sendVolumes(long nowMillis, SessionOutbox outbox) {
        ByteBuffer out = outbox.room(VolumesDescriptor.frameLength(ids.length));
        if (out == null) {
            return false;
        }
        wire.codec.volumes.begin(out, wire.next(), wire.gatewayId, ids.length);
        for (int i = 0; i < ids.length; i++) {
            wire.codec.volumes.volume(i, ids[i], volumes.flags(i), volumes.sizeBytes(i), volumes.wireName(i));
        }
        wire.codec.volumes.commit();
        wire.sent(nowMillis);
        return true;
    }

    int volumeCount() {
        return ids.length;
    }

    /** Takes the ids VOLUME_IDS assigned (as many as VOLUMES sent) and sends the warnings already due. */
    void open(VolumeIdsReader assigned, long nowMillis, SessionOutbox outbox) {
        positionsById.clear();
        for (int i = 0; i < ids.length; i++) {
            ids[i] = assigned.volumeId(i);
            if (ids[i] != VolumeIdsDescriptor.REFUSED) {
                positionsById.put(ids[i], i);
            }
            volumes.assigned(i, ids[i]);
        }
        wire.sent(nowMillis);
        volumes.snapshot();
        sendCapacityWarnings(nowMillis, outbox);
    }

    /** As {@link GatewaySession#answerPoll}, in an open session. */
    boolean answerPoll(long pollSequence, long nowMillis, SessionOutbox outbox) {
        int perFrame = GatewaySession.VOLUMES_PER_STATS_FRAME;
        int count = 0;
        for (int i = 0; i < ids.length; i++) {
            count += reported(i) ? 1 : 0;
        }
        int frames = Math.max(1, (count + perFrame - 1) / perFrame);
        int length = (frames - 1) * StatsDescriptor.frameLength(perFrame)
                + StatsDescriptor.frameLength(count - (frames - 1) * perFrame);
        ByteBuffer out = outbox.room(length);
        if (out == null) {
            return false;
        }
        volumes.snapshot();
        int interval = (int) Math.clamp(nowMillis - reportedAtMillis, 0, Integer.MAX_VALUE);
        long report = reportSequence + 1;
        int from = 0;
        int position = 0;
        do {
            int n = Math.min(perFrame, count - from);
            boolean more = from + n < count;
            wire.codec.stats.begin(
                    out, wire.next(), wire.gatewayId, more, report, pollSequence, reportedAtMillis, interval, n);
            for (int i = 0; i < n; i++, position++) {
                while (!reported(position)) {
                    position++;
                }
                VolumeStatsFlyweight record = wire.codec.stats.volume(i);
                record.volumeId(ids[position]);
                volumes.report(position, record, interval);
            }
            wire.codec.stats.commit();
            from += n;
        } while (from < count);
        volumes.reported();
        reportSequence = report;
        reportedAtMillis = nowMillis;
        wire.sent(nowMillis);
        sendCapacityWarnings(nowMillis, outbox);
        return true;
    }

    /** As {@link GatewaySession#answerThrottleSet}: the THROTTLE_SET is the codec's current one. */
    GatewaySession.ThrottleAnswer answerThrottleSet(long nowMillis, SessionOutbox outbox) {
        ThrottleSetReader set = wire.codec.throttleSet;
        int count = set.volumeCount();
        ByteBuffer out = outbox.room(ThrottleAckDescriptor.frameLength(count));
        if (out == null) {
            return GatewaySession.ThrottleAnswer.NO_ROOM;
        }
        ThrottleAckWriter ack = wire.codec.ack;
        ack.begin(out, wire.next(), wire.gatewayId, set.commandId(), count);
        boolean current = fence.admit(set.epoch());
        for (int i = 0; i < count; i++) {
            ThrottleParamsFlyweight params = set.volume(i);
            int volumeId = params.volumeId();
            int position = positionsById.getOrDefault(volumeId, -1);
            ThrottleAckStatus status;
            if (!current) {
                status = ThrottleAckStatus.STALE_EPOCH;
            } else if (position < 0) {
                status = ThrottleAckStatus.UNKNOWN_VOLUME;
            } else {
                status = volumes.apply(position, params);
            }
            ack.result(i, volumeId, status, position < 0 ? 0 : volumes.versionInForce(position));
        }
        ack.commit();
        wire.sent(nowMillis);
        return current ? GatewaySession.ThrottleAnswer.ACKNOWLEDGED : GatewaySession.ThrottleAnswer.STALE_EPOCH;
    }

    /** One EVENT per volume each time its backend crosses the warning threshold (again after dropping below). */
    private void sendCapacityWarnings(long nowMillis, SessionOutbox outbox) {
        String message = GatewaySession.CAPACITY_MESSAGE;
        int length = EventDescriptor.frameLength(message.length());
        for (int i = 0; i < ids.length; i++) {
            if (volumes.takeCapacityWarning(i) && reported(i)) {
                ByteBuffer out = outbox.room(length);
                if (out == null) {
                    return;
                }
                wire.codec.event.write(
                        out,
                        wire.next(),
                        wire.gatewayId,
                        EventKind.CAPACITY_WARNING,
                        nowMillis,
                        0,
                        volumes.usedBytes(i),
                        ids[i],
                        volumes.flags(i),
                        volumes.capacityBytes(i),
                        volumes.wireName(i),
                        message);
                eventsSent++;
                wire.sent(nowMillis);
            }
        }
    }

    private boolean reported(int position) {
        return ids[position] != VolumeIdsDescriptor.REFUSED;
    }

    long reportSequence() {
        return reportSequence;
    }

    int volumeId(int position) {
        return ids[position];
    }

    long eventsSent() {
        return eventsSent;
    }
}
