package io.sluice.monitor;

import io.sluice.common.EpochClock;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;

/**
 * A {@link MonitorContext} being changed by one of its {@code with} methods: every field copied, the few the method
 * changes set, then a new context built (and validated again by the record's constructor).
 */
final class MonitorContextCopy {
    InetSocketAddress listen;
    Path monitorMailbox;
    Path servicesMailbox;
    int servicesCallerIndex;
    byte[] deploymentSecret;
    Set<Long> approvedGateways;
    Set<String> enrollmentTokens;
    Path registryFile;
    long pollIntervalMillis;
    int missLimit;
    int pairs;
    int expectedGateways;
    int maxPairs;
    int maxConnections;
    int maxFrameLength;
    int writeHighWatermark;
    int writeLimit;
    long handshakeTimeoutMillis;
    MonitorContext.UnauthenticatedLimits unauthenticated;
    int maxVolumesPerGateway;
    EpochClock clock;
    MonitorTls tls;
    Map<String, Set<Long>> sharedVolumes;
    MonitorRole role;
    boolean balanceByLoad;
    RegistryDatabase registryDatabase;

    MonitorContextCopy(MonitorContext from) {
        listen = from.listen();
        monitorMailbox = from.monitorMailbox();
        servicesMailbox = from.servicesMailbox();
        servicesCallerIndex = from.servicesCallerIndex();
        deploymentSecret = from.deploymentSecret();
        approvedGateways = from.approvedGateways();
        enrollmentTokens = from.enrollmentTokens();
        registryFile = from.registryFile();
        pollIntervalMillis = from.pollIntervalMillis();
        missLimit = from.missLimit();
        pairs = from.pairs();
        expectedGateways = from.expectedGateways();
        maxPairs = from.maxPairs();
        maxConnections = from.maxConnections();
        maxFrameLength = from.maxFrameLength();
        writeHighWatermark = from.writeHighWatermark();
        writeLimit = from.writeLimit();
        handshakeTimeoutMillis = from.handshakeTimeoutMillis();
        unauthenticated = from.unauthenticated();
        maxVolumesPerGateway = from.maxVolumesPerGateway();
        clock = from.clock();
        tls = from.tls();
        sharedVolumes = from.sharedVolumes();
        role = from.role();
        balanceByLoad = from.balanceByLoad();
        registryDatabase = from.registryDatabase();
    }

    MonitorContext build() {
        return new MonitorContext(
                listen,
                monitorMailbox,
                servicesMailbox,
                servicesCallerIndex,
                deploymentSecret,
                approvedGateways,
                enrollmentTokens,
                registryFile,
                pollIntervalMillis,
                missLimit,
                pairs,
                expectedGateways,
                maxPairs,
                maxConnections,
                maxFrameLength,
                writeHighWatermark,
                writeLimit,
                handshakeTimeoutMillis,
                unauthenticated,
                maxVolumesPerGateway,
                clock,
                tls,
                sharedVolumes,
                role,
                balanceByLoad,
                registryDatabase);
    }
}
