package io.sluice.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * Frames with random contents, one kind per frame type: each writes itself with its writer and checks that the frame a
 * decoder returned reads back the same through its reader.
 */
final class Samples {
    static final long GATEWAY_ID = 0x5EED_0000_0000_0001L;
    static final List<FrameType> FROM_GATEWAY = Arrays.stream(FrameType.values())
            .filter(t -> t.isSentBy(Peer.GATEWAY))
            .toList();
    static final List<FrameType> FROM_MONITOR = Arrays.stream(FrameType.values())
            .filter(t -> t.isSentBy(Peer.MONITOR))
            .toList();

    private static final String ALPHABET = "abcXYZ019-_. éü€漢𝄞";

    private Samples() {}

    interface Sample {
        FrameType type();

        /** Writes the frame at dst's position; its length, or 0 if it did not fit. */
        int write(ByteBuffer dst, long sequence, long gatewayId);

        /** Asserts that the decoder's current frame is this one. */
        void verify(FrameDecoder decoder);
    }

    static Sample random(FrameType type, Random random) {
        return random(type, random, 4);
    }

    /** A sample of {@code type}; list frames get 0..maxEntries entries. */
    static Sample random(FrameType type, Random random, int maxEntries) {
        return switch (type) {
            case HELLO ->
                new Hello(random.nextLong(), text(random, 1, 255), random.nextInt(HelloDescriptor.MAX_VOLUMES + 1));
            case CHALLENGE -> new ChallengeSample(bytes(random, 32));
            case AUTH -> new Auth(bytes(random, 32), bytes(random, random.nextBoolean() ? 0 : random.nextInt(257)));
            case AUTH_RESULT -> authResult(random);
            case POLL -> new Poll(random.nextLong(), random.nextLong());
            case STATS -> stats(random, maxEntries);
            case THROTTLE_SET -> throttleSet(random, maxEntries);
            case THROTTLE_ACK -> throttleAck(random, maxEntries);
            case HEARTBEAT -> new Heartbeat(random.nextLong(), random.nextLong());
            case EVENT ->
                new Event(
                        EventKind.values()[random.nextInt(EventKind.values().length)],
                        random.nextLong(),
                        random.nextInt(),
                        random.nextLong(),
                        volume(random),
                        text(random, 0, 512));
            case VOLUMES -> new Volumes(volumes(random, maxEntries));
            case VOLUME_IDS -> volumeIds(random, maxEntries);
            case ENROLL ->
                new Enroll(
                        bytes(random, 32),
                        bytes(random, 1 + random.nextInt(256)),
                        bytes(random, 1 + random.nextInt(EnrollDescriptor.MAX_REQUEST_LENGTH)));
            case RENEW -> new Renew(bytes(random, 1 + random.nextInt(RenewDescriptor.MAX_REQUEST_LENGTH)));
            case CERTIFICATE ->
                random.nextBoolean()
                        ? new Certificate(
                                AuthReason.NONE,
                                bytes(random, 1 + random.nextInt(CertificateDescriptor.MAX_CERTIFICATE_LENGTH)))
                        : new Certificate(
                                AuthReason.values()[1 + random.nextInt(AuthReason.values().length - 1)], new byte[0]);
            case STANDBY ->
                new Standby(
                        random.nextInt(AuthResultDescriptor.MAX_RETRY_AFTER_MILLIS + 1),
                        random.nextBoolean() ? "" : address(random));
        };
    }

    /** Writes {@code samples} back to back with sequences from 1 into a new buffer, flipped for reading. */
    static ByteBuffer stream(List<Sample> samples, long gatewayId) {
        ByteBuffer dst = ByteBuffer.allocate(1 << 22);
        long sequence = 1;
        for (Sample sample : samples) {
            assertThat(sample.write(dst, sequence++, gatewayId)).isPositive();
        }
        return dst.flip();
    }

    static ByteBuffer frame(Sample sample) {
        return stream(List.of(sample), GATEWAY_ID);
    }

    static byte[] bytes(Random random, int length) {
        byte[] bytes = new byte[length];
        random.nextBytes(bytes);
        return bytes;
    }

    /** Random text of minBytes..maxBytes bytes of UTF-8, with 1- to 4-byte characters. */
    static String text(Random random, int minBytes, int maxBytes) {
        int target = minBytes + random.nextInt(Math.min(maxBytes - minBytes, 40) + 1);
        StringBuilder text = new StringBuilder();
        int length = 0;
        while (length < target) {
            int codePoint = ALPHABET.codePointAt(
                    ALPHABET.offsetByCodePoints(0, random.nextInt(ALPHABET.codePointCount(0, ALPHABET.length()))));
            int size = new String(Character.toChars(codePoint)).getBytes(StandardCharsets.UTF_8).length;
            if (length + size > maxBytes) {
                codePoint = 'a';
                size = 1;
            }
            text.appendCodePoint(codePoint);
            length += size;
        }
        return text.toString();
    }

    private static List<Volume> volumes(Random random, int max) {
        List<Volume> volumes = new ArrayList<>();
        for (int i = random.nextInt(max + 1); i > 0; i--) {
            volumes.add(volume(random));
        }
        return volumes;
    }

    private static Volume volume(Random random) {
        return new Volume(random.nextInt(), random.nextInt(2), random.nextLong(), text(random, 1, 64));
    }

    /** A HOST:PORT a STANDBY may name: a name, an IPv4 or a bracketed IPv6 literal. */
    static String address(Random random) {
        int port = 1 + random.nextInt(65_535);
        return switch (random.nextInt(3)) {
            case 0 -> "monitor-" + random.nextInt(100) + ".example:" + port;
            case 1 -> "10." + random.nextInt(256) + "." + random.nextInt(256) + ".1:" + port;
            default -> "[fd00::" + Integer.toHexString(random.nextInt(65_536)) + "]:" + port;
        };
    }

    private static Sample authResult(Random random) {
        AuthOutcome outcome = AuthOutcome.values()[random.nextInt(3)];
        AuthReason reason = switch (outcome) {
            case ACCEPTED -> AuthReason.NONE;
            case PENDING -> AuthReason.AWAITING_APPROVAL;
            case REFUSED -> AuthReason.values()[2 + random.nextInt(AuthReason.values().length - 2)];
        };
        return new AuthResult(
                outcome,
                reason,
                random.nextInt(),
                random.nextInt(AuthResultDescriptor.MAX_RETRY_AFTER_MILLIS + 1),
                text(random, 0, 256),
                outcome == AuthOutcome.ACCEPTED ? random.nextLong() & Long.MAX_VALUE : 0);
    }

    private static Sample volumeIds(Random random, int max) {
        List<Integer> ids = new ArrayList<>();
        for (int i = random.nextInt(max + 1); i > 0; i--) {
            ids.add(random.nextInt());
        }
        return new VolumeIds(ids);
    }

    private static Sample stats(Random random, int max) {
        List<VolumeStats> volumes = new ArrayList<>();
        for (int i = random.nextInt(max + 1); i > 0; i--) {
            long[][] counters = new long[2][5 + LatencyBuckets.COUNT];
            for (long[] direction : counters) {
                for (int c = 0; c < direction.length; c++) {
                    direction[c] = c < 5 ? random.nextLong() : random.nextLong() & 0xFFFF_FFFFL;
                }
            }
            volumes.add(new VolumeStats(
                    random.nextInt(),
                    random.nextInt(),
                    random.nextLong(),
                    random.nextLong(),
                    random.nextLong(),
                    counters));
        }
        return new Stats(
                random.nextBoolean(),
                random.nextLong(),
                random.nextLong(),
                random.nextLong(),
                random.nextInt(),
                volumes);
    }

    private static Sample throttleSet(Random random, int max) {
        List<long[]> sets = new ArrayList<>();
        for (int i = random.nextInt(max + 1); i > 0; i--) {
            long[] set = new long[ThrottleSet.FIELDS];
            for (int f = 0; f < set.length; f++) {
                set[f] = f < 2 ? random.nextInt() : f < 11 ? random.nextLong() & 0xFFFF_FFFFL : random.nextLong();
            }
            if (set[1] == 0) {
                set[1] = 1;
            }
            sets.add(set);
        }
        return new ThrottleSet(random.nextLong(), random.nextLong() & Long.MAX_VALUE, sets);
    }

    private static Sample throttleAck(Random random, int max) {
        List<AckResult> results = new ArrayList<>();
        for (int i = random.nextInt(max + 1); i > 0; i--) {
            results.add(new AckResult(
                    random.nextInt(),
                    ThrottleAckStatus.values()[random.nextInt(ThrottleAckStatus.values().length)],
                    random.nextLong()));
        }
        return new ThrottleAck(random.nextLong(), results);
    }

    record Volume(int id, int flags, long capacity, String name) {}

    record Hello(long capabilities, String name, int volumeCount) implements Sample {
        public FrameType type() {
            return FrameType.HELLO;
        }

        public int write(ByteBuffer dst, long sequence, long gatewayId) {
            return new HelloWriter().write(dst, sequence, gatewayId, capabilities, volumeCount, name);
        }

        public void verify(FrameDecoder decoder) {
            assertThat(decoder.frameType()).isEqualTo(FrameType.HELLO);
            HelloReader reader = new HelloReader().wrap(decoder);
            assertThat(new Hello(reader.capabilities(), reader.gatewayName(), (int) reader.volumeCount()))
                    .isEqualTo(this);
        }
    }

    record Volumes(List<Volume> volumes) implements Sample {
        public FrameType type() {
            return FrameType.VOLUMES;
        }

        public int write(ByteBuffer dst, long sequence, long gatewayId) {
            VolumesWriter writer = new VolumesWriter();
            if (!writer.begin(dst, sequence, gatewayId, volumes.size())) {
                return 0;
            }
            for (int i = 0; i < volumes.size(); i++) {
                Volume v = volumes.get(i);
                writer.volume(i, v.id, v.flags, v.capacity, v.name);
            }
            return writer.commit();
        }

        public void verify(FrameDecoder decoder) {
            assertThat(decoder.frameType()).isEqualTo(FrameType.VOLUMES);
            VolumesReader reader = new VolumesReader().wrap(decoder);
            assertThat(reader.volumeCount()).isEqualTo(volumes.size());
            for (int i = 0; i < volumes.size(); i++) {
                Volume v = volumes.get(i);
                assertThat(new Volume(
                                reader.volumeId(i),
                                reader.volumeFlags(i),
                                reader.volumeCapacity(i),
                                reader.volumeName(i)))
                        .isEqualTo(v);
            }
        }
    }

    record VolumeIds(List<Integer> ids) implements Sample {
        public FrameType type() {
            return FrameType.VOLUME_IDS;
        }

        public int write(ByteBuffer dst, long sequence, long gatewayId) {
            int[] array = ids.stream().mapToInt(Integer::intValue).toArray();
            return new VolumeIdsWriter().write(dst, sequence, gatewayId, array, array.length);
        }

        public void verify(FrameDecoder decoder) {
            assertThat(decoder.frameType()).isEqualTo(FrameType.VOLUME_IDS);
            VolumeIdsReader reader = new VolumeIdsReader().wrap(decoder);
            List<Integer> read = new ArrayList<>();
            for (int i = 0; i < reader.volumeCount(); i++) {
                read.add(reader.volumeId(i));
            }
            assertThat(read).isEqualTo(ids);
        }
    }

    record ChallengeSample(byte[] nonce) implements Sample {
        public FrameType type() {
            return FrameType.CHALLENGE;
        }

        public int write(ByteBuffer dst, long sequence, long gatewayId) {
            Challenge challenge = new Challenge();
            System.arraycopy(nonce, 0, challenge.nonce, 0, nonce.length);
            return new ChallengeWriter().write(dst, sequence, gatewayId, challenge);
        }

        public void verify(FrameDecoder decoder) {
            assertThat(decoder.frameType()).isEqualTo(FrameType.CHALLENGE);
            assertThat(new ChallengeReader().wrap(decoder).nonce()).isEqualTo(nonce);
        }
    }

    record Auth(byte[] answer, byte[] token) implements Sample {
        public FrameType type() {
            return FrameType.AUTH;
        }

        public int write(ByteBuffer dst, long sequence, long gatewayId) {
            return new AuthWriter().write(dst, sequence, gatewayId, answer, token);
        }

        public void verify(FrameDecoder decoder) {
            assertThat(decoder.frameType()).isEqualTo(FrameType.AUTH);
            AuthReader reader = new AuthReader().wrap(decoder);
            byte[] presented = new byte[32];
            reader.buffer().get(reader.answerOffset(), presented);
            assertThat(presented).isEqualTo(answer);
            assertThat(reader.enrollmentTokenLength()).isEqualTo(token.length);
            assertThat(reader.enrollmentToken()).isEqualTo(token);
        }
    }

    record AuthResult(
            AuthOutcome outcome, AuthReason reason, int pollInterval, int retryAfter, String message, long epoch)
            implements Sample {
        AuthResult(AuthOutcome outcome, AuthReason reason, int pollInterval, int retryAfter, String message) {
            this(outcome, reason, pollInterval, retryAfter, message, 0);
        }

        public FrameType type() {
            return FrameType.AUTH_RESULT;
        }

        public int write(ByteBuffer dst, long sequence, long gatewayId) {
            return new AuthResultWriter()
                    .write(dst, sequence, gatewayId, outcome, reason, pollInterval, retryAfter, message, epoch);
        }

        public void verify(FrameDecoder decoder) {
            assertThat(decoder.frameType()).isEqualTo(FrameType.AUTH_RESULT);
            AuthResultReader reader = new AuthResultReader().wrap(decoder);
            assertThat(new AuthResult(
                            reader.outcome(),
                            reader.reason(),
                            reader.pollIntervalMillis(),
                            reader.retryAfterMillis(),
                            reader.message(),
                            reader.epoch()))
                    .isEqualTo(this);
        }
    }

    record Standby(int retryAfter, String address) implements Sample {
        public FrameType type() {
            return FrameType.STANDBY;
        }

        public int write(ByteBuffer dst, long sequence, long gatewayId) {
            return new StandbyWriter()
                    .write(
                            dst,
                            sequence,
                            gatewayId,
                            retryAfter,
                            StandbyWriter.addressBytes(address.isEmpty() ? null : address));
        }

        public void verify(FrameDecoder decoder) {
            assertThat(decoder.frameType()).isEqualTo(FrameType.STANDBY);
            StandbyReader reader = new StandbyReader().wrap(decoder);
            assertThat(new Standby(reader.retryAfterMillis(), reader.activeAddressText()))
                    .isEqualTo(this);
            assertThat(reader.namesActive()).isEqualTo(!address.isEmpty());
            if (reader.namesActive()) {
                assertThat(MonitorAddress.format(reader.activeAddress())).isEqualTo(address);
            }
        }
    }

    record Enroll(byte[] answer, byte[] token, byte[] request) implements Sample {
        public FrameType type() {
            return FrameType.ENROLL;
        }

        public int write(ByteBuffer dst, long sequence, long gatewayId) {
            return new EnrollWriter().write(dst, sequence, gatewayId, answer, token, request);
        }

        public void verify(FrameDecoder decoder) {
            assertThat(decoder.frameType()).isEqualTo(FrameType.ENROLL);
            EnrollReader reader = new EnrollReader().wrap(decoder);
            byte[] presented = new byte[32];
            reader.buffer().get(reader.answerOffset(), presented);
            assertThat(presented).isEqualTo(answer);
            assertThat(reader.enrollmentToken()).isEqualTo(token);
            assertThat(reader.request()).isEqualTo(request);
        }
    }

    record Renew(byte[] request) implements Sample {
        public FrameType type() {
            return FrameType.RENEW;
        }

        public int write(ByteBuffer dst, long sequence, long gatewayId) {
            return new RenewWriter().write(dst, sequence, gatewayId, request);
        }

        public void verify(FrameDecoder decoder) {
            assertThat(decoder.frameType()).isEqualTo(FrameType.RENEW);
            assertThat(new RenewReader().wrap(decoder).request()).isEqualTo(request);
        }
    }

    record Certificate(AuthReason reason, byte[] certificate) implements Sample {
        public FrameType type() {
            return FrameType.CERTIFICATE;
        }

        public int write(ByteBuffer dst, long sequence, long gatewayId) {
            return reason == AuthReason.NONE
                    ? new CertificateWriter().write(dst, sequence, gatewayId, certificate)
                    : new CertificateWriter().writeRefusal(dst, sequence, gatewayId, reason);
        }

        public void verify(FrameDecoder decoder) {
            assertThat(decoder.frameType()).isEqualTo(FrameType.CERTIFICATE);
            CertificateReader reader = new CertificateReader().wrap(decoder);
            assertThat(reader.reason()).isEqualTo(reason);
            assertThat(reader.certificate()).isEqualTo(certificate);
        }
    }

    record Poll(long pollSequence, long monitorTime) implements Sample {
        public FrameType type() {
            return FrameType.POLL;
        }

        public int write(ByteBuffer dst, long sequence, long gatewayId) {
            return new PollWriter().write(dst, sequence, gatewayId, pollSequence, monitorTime);
        }

        public void verify(FrameDecoder decoder) {
            assertThat(decoder.frameType()).isEqualTo(FrameType.POLL);
            PollReader reader = new PollReader().wrap(decoder);
            assertThat(new Poll(reader.pollSequence(), reader.monitorTimeMillis()))
                    .isEqualTo(this);
        }
    }

    record Heartbeat(long sentAt, long echo) implements Sample {
        public FrameType type() {
            return FrameType.HEARTBEAT;
        }

        public int write(ByteBuffer dst, long sequence, long gatewayId) {
            return new HeartbeatWriter().write(dst, sequence, gatewayId, sentAt, echo);
        }

        public void verify(FrameDecoder decoder) {
            assertThat(decoder.frameType()).isEqualTo(FrameType.HEARTBEAT);
            HeartbeatReader reader = new HeartbeatReader().wrap(decoder);
            assertThat(new Heartbeat(reader.sentAtMillis(), reader.echoMillis()))
                    .isEqualTo(this);
        }
    }

    /** counters[direction]: ops, bytes, throttled ops, throttled ns, latency sum, then the buckets. */
    record VolumeStats(int id, int queueDepth, long throttleVersion, long capacity, long used, long[][] counters) {}

    record Stats(
            boolean more,
            long reportSequence,
            long pollSequence,
            long intervalStart,
            int intervalMillis,
            List<VolumeStats> volumes)
            implements Sample {
        public FrameType type() {
            return FrameType.STATS;
        }

        public int write(ByteBuffer dst, long sequence, long gatewayId) {
            StatsWriter writer = new StatsWriter();
            if (!writer.begin(
                    dst,
                    sequence,
                    gatewayId,
                    more,
                    reportSequence,
                    pollSequence,
                    intervalStart,
                    intervalMillis,
                    volumes.size())) {
                return 0;
            }
            for (int i = 0; i < volumes.size(); i++) {
                VolumeStats v = volumes.get(i);
                VolumeStatsFlyweight record = writer.volume(i)
                        .volumeId(v.id)
                        .queueDepth(v.queueDepth)
                        .throttleVersion(v.throttleVersion)
                        .capacityBytes(v.capacity)
                        .usedBytes(v.used);
                for (IoDirection d : IoDirection.values()) {
                    long[] c = v.counters[d.ordinal()];
                    record.ops(d, c[0])
                            .bytes(d, c[1])
                            .throttledOps(d, c[2])
                            .throttledNanos(d, c[3])
                            .latencySumMicros(d, c[4]);
                    for (int b = 0; b < LatencyBuckets.COUNT; b++) {
                        record.latencyBucket(d, b, c[5 + b]);
                    }
                }
            }
            return writer.commit();
        }

        public void verify(FrameDecoder decoder) {
            assertThat(decoder.frameType()).isEqualTo(FrameType.STATS);
            StatsReader reader = new StatsReader().wrap(decoder);
            assertThat(reader.hasMore()).isEqualTo(more);
            assertThat(reader.reportSequence()).isEqualTo(reportSequence);
            assertThat(reader.pollSequence()).isEqualTo(pollSequence);
            assertThat(reader.intervalStartMillis()).isEqualTo(intervalStart);
            assertThat(reader.intervalMillis()).isEqualTo(intervalMillis);
            assertThat(reader.volumeCount()).isEqualTo(volumes.size());
            for (int i = 0; i < volumes.size(); i++) {
                VolumeStats v = volumes.get(i);
                VolumeStatsFlyweight record = reader.volume(i);
                assertThat(record.volumeId()).isEqualTo(v.id);
                assertThat(record.queueDepth()).isEqualTo(v.queueDepth);
                assertThat(record.throttleVersion()).isEqualTo(v.throttleVersion);
                assertThat(record.capacityBytes()).isEqualTo(v.capacity);
                assertThat(record.usedBytes()).isEqualTo(v.used);
                for (IoDirection d : IoDirection.values()) {
                    long[] read = new long[5 + LatencyBuckets.COUNT];
                    read[0] = record.ops(d);
                    read[1] = record.bytes(d);
                    read[2] = record.throttledOps(d);
                    read[3] = record.throttledNanos(d);
                    read[4] = record.latencySumMicros(d);
                    for (int b = 0; b < LatencyBuckets.COUNT; b++) {
                        read[5 + b] = record.latencyBucket(d, b);
                    }
                    assertThat(read).isEqualTo(v.counters[d.ordinal()]);
                }
            }
        }
    }

    /**
     * Each set: volume id, version, weight, IOPS limit, read, write, reserved, burst IOPS, burst length, size
     * normalization, latency target, bandwidth limit, read, write, reserved, burst bandwidth.
     */
    record ThrottleSet(long commandId, long epoch, List<long[]> sets) implements Sample {
        static final int FIELDS = 16;

        public FrameType type() {
            return FrameType.THROTTLE_SET;
        }

        public int write(ByteBuffer dst, long sequence, long gatewayId) {
            ThrottleSetWriter writer = new ThrottleSetWriter();
            if (!writer.begin(dst, sequence, gatewayId, commandId, sets.size())) {
                return 0;
            }
            writer.epoch(epoch);
            for (int i = 0; i < sets.size(); i++) {
                long[] s = sets.get(i);
                writer.volume(i)
                        .volumeId((int) s[0])
                        .version(s[1])
                        .weight(s[2])
                        .iopsLimit(s[3])
                        .readIopsLimit(s[4])
                        .writeIopsLimit(s[5])
                        .reservedIops(s[6])
                        .burstIops(s[7])
                        .burstLengthMillis(s[8])
                        .sizeNormalizationBytes(s[9])
                        .latencyTargetMicros(s[10])
                        .bandwidthLimit(s[11])
                        .readBandwidthLimit(s[12])
                        .writeBandwidthLimit(s[13])
                        .reservedBandwidth(s[14])
                        .burstBandwidth(s[15]);
            }
            return writer.commit();
        }

        public void verify(FrameDecoder decoder) {
            assertThat(decoder.frameType()).isEqualTo(FrameType.THROTTLE_SET);
            ThrottleSetReader reader = new ThrottleSetReader().wrap(decoder);
            assertThat(reader.commandId()).isEqualTo(commandId);
            assertThat(reader.epoch()).isEqualTo(epoch);
            assertThat(reader.volumeCount()).isEqualTo(sets.size());
            for (int i = 0; i < sets.size(); i++) {
                ThrottleParamsFlyweight p = reader.volume(i);
                long[] read = {
                    p.volumeId(),
                    p.version(),
                    p.weight(),
                    p.iopsLimit(),
                    p.readIopsLimit(),
                    p.writeIopsLimit(),
                    p.reservedIops(),
                    p.burstIops(),
                    p.burstLengthMillis(),
                    p.sizeNormalizationBytes(),
                    p.latencyTargetMicros(),
                    p.bandwidthLimit(),
                    p.readBandwidthLimit(),
                    p.writeBandwidthLimit(),
                    p.reservedBandwidth(),
                    p.burstBandwidth()
                };
                assertThat(read).isEqualTo(sets.get(i));
            }
        }
    }

    record AckResult(int volumeId, ThrottleAckStatus status, long version) {}

    record ThrottleAck(long commandId, List<AckResult> results) implements Sample {
        public FrameType type() {
            return FrameType.THROTTLE_ACK;
        }

        public int write(ByteBuffer dst, long sequence, long gatewayId) {
            ThrottleAckWriter writer = new ThrottleAckWriter();
            if (!writer.begin(dst, sequence, gatewayId, commandId, results.size())) {
                return 0;
            }
            for (int i = 0; i < results.size(); i++) {
                AckResult r = results.get(i);
                writer.result(i, r.volumeId, r.status, r.version);
            }
            return writer.commit();
        }

        public void verify(FrameDecoder decoder) {
            assertThat(decoder.frameType()).isEqualTo(FrameType.THROTTLE_ACK);
            ThrottleAckReader reader = new ThrottleAckReader().wrap(decoder);
            assertThat(reader.commandId()).isEqualTo(commandId);
            assertThat(reader.volumeCount()).isEqualTo(results.size());
            for (int i = 0; i < results.size(); i++) {
                assertThat(new AckResult(reader.volumeId(i), reader.status(i), reader.versionInForce(i)))
                        .isEqualTo(results.get(i));
            }
        }
    }

    record Event(EventKind kind, long occurredAt, int errorCode, long used, Volume volume, String message)
            implements Sample {
        public FrameType type() {
            return FrameType.EVENT;
        }

        public int write(ByteBuffer dst, long sequence, long gatewayId) {
            return new EventWriter()
                    .write(
                            dst,
                            sequence,
                            gatewayId,
                            kind,
                            occurredAt,
                            errorCode,
                            used,
                            volume.id,
                            volume.flags,
                            volume.capacity,
                            volume.name,
                            message);
        }

        public void verify(FrameDecoder decoder) {
            assertThat(decoder.frameType()).isEqualTo(FrameType.EVENT);
            EventReader reader = new EventReader().wrap(decoder);
            assertThat(new Event(
                            reader.kind(),
                            reader.occurredAtMillis(),
                            reader.errorCode(),
                            reader.usedBytes(),
                            new Volume(
                                    reader.volumeId(),
                                    reader.volumeFlags(),
                                    reader.volumeCapacity(),
                                    reader.volumeName()),
                            reader.message()))
                    .isEqualTo(this);
        }
    }
}
