package io.sluice.protocol;

/**
 * The readers and writers a {@link GatewaySession} uses: flyweights that hold one frame at a time, so sessions run by
 * one thread may share one codec.
 */
public final class SessionCodec {
    final HelloWriter hello = new HelloWriter();
    final AuthWriter auth = new AuthWriter();
    final EnrollWriter enroll = new EnrollWriter();
    final RenewWriter renew = new RenewWriter();
    final VolumesWriter volumes = new VolumesWriter();
    final StatsWriter stats = new StatsWriter();
    final ThrottleAckWriter ack = new ThrottleAckWriter();
    final HeartbeatWriter heartbeat = new HeartbeatWriter();
    final EventWriter event = new EventWriter();
    final ChallengeReader challenge = new ChallengeReader();
    final AuthResultReader authResult = new AuthResultReader();
    final StandbyReader standby = new StandbyReader();
    final VolumeIdsReader volumeIds = new VolumeIdsReader();
    final PollReader poll = new PollReader();
    final ThrottleSetReader throttleSet = new ThrottleSetReader();
    final HeartbeatReader heartbeatIn = new HeartbeatReader();
    final CertificateReader certificate = new CertificateReader();
}
