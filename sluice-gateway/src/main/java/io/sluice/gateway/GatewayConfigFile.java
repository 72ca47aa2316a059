package io.sluice.gateway;

import com.fasterxml.jackson.annotation.JsonAlias;
import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonFormat;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.sluice.gateway.export.ExportAccess;
import io.sluice.gateway.qos.BackendLimits;
import io.sluice.gateway.qos.BucketLimit;
import io.sluice.gateway.qos.QosParameters;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * The gateway's YAML configuration file, as written (kebab-case keys, every key optional unless noted);
 * {@code conf/gateway.example.yaml} documents each key. Unknown keys are errors, so a misspelt limit is not silently
 * ignored.
 */
record GatewayConfigFile(
        String listen,
        Integer ioThreads,
        Integer queueDepth,
        Integer requestSlots,
        Integer bufferMemoryMib,
        Integer handshakeTimeoutMs,
        String statsFile,
        Boolean unthrottled,
        String tlsCertificates,
        String tlsRevocations,
        String tls,
        List<Backend> backends,
        List<Volume> exports,
        Monitor monitor) {
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory())
            .setPropertyNamingStrategy(PropertyNamingStrategies.KEBAB_CASE)
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES);

    GatewayConfigFile {
        backends = backends == null ? List.of() : backends;
        exports = exports == null ? List.of() : exports;
    }

    static GatewayConfigFile read(Path file) {
        try {
            return YAML.readValue(file.toFile(), GatewayConfigFile.class);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    List<BackendLimits> backendLimits(int defaultQueueDepth) {
        return backends.stream()
                .map(b -> new BackendLimits(
                        b.name(),
                        b.iops() == null ? 0 : b.iops(),
                        b.queueDepth() == null ? defaultQueueDepth : b.queueDepth()))
                .toList();
    }

    List<ExportConfig> exportConfigs() {
        return exports.stream()
                .map(v -> new ExportConfig(
                        v.name(),
                        v.target(),
                        v.readOnly() != null && v.readOnly(),
                        v.backend(),
                        v.qos() == null ? null : v.qos().parameters(),
                        v.shared() != null && v.shared(),
                        new ExportConfig.Access(
                                v.tls() == null ? null : ExportAccess.Tls.parse(v.tls()),
                                v.allowedClients(),
                                v.allowedFingerprints(),
                                v.allowedAddresses())))
                .toList();
    }

    record Backend(String name, Double iops, Integer queueDepth) {}

    /**
     * The {@code monitor:} section: where the monitor is and how this gateway authenticates to it. {@code address} is
     * one {@code HOST:PORT} or a list of them (also spelt {@code addresses}), the servers of a pair, tried in turn.
     */
    record Monitor(
            @JsonFormat(with = JsonFormat.Feature.ACCEPT_SINGLE_VALUE_AS_ARRAY) @JsonAlias("addresses")
            List<String> address,

            Long gatewayId,
            String keyFile,
            String secretFile,
            String enrollmentToken,
            String gatewayName,
            Integer heartbeatMs,
            Integer backoffMinMs,
            Integer backoffMaxMs,
            Integer connectTimeoutMs,
            Integer capacityWarningPercent,
            Integer volumeIdBase,
            String tlsCa,
            String tlsCert,
            String tlsKey,
            String stateDir,
            Boolean insecurePlaintext) {}

    record Volume(
            String name,
            String target,
            Boolean readOnly,
            String backend,
            Qos qos,
            Boolean shared,
            String tls,
            List<String> allowedClients,
            List<String> allowedFingerprints,
            List<String> allowedAddresses) {}

    record Qos(
            Limit iops,
            Limit readIops,
            Limit writeIops,
            Limit bandwidth,
            Limit readBandwidth,
            Limit writeBandwidth,
            Integer ioSizeKib,
            Double reservationIops,
            Double weight,
            Integer maxDelayMs) {
        QosParameters parameters() {
            QosParameters d = QosParameters.UNLIMITED;
            return new QosParameters(
                    limit(iops),
                    limit(readIops),
                    limit(writeIops),
                    limit(bandwidth),
                    limit(readBandwidth),
                    limit(writeBandwidth),
                    ioSizeKib == null ? 0 : Math.multiplyExact(ioSizeKib, 1024),
                    reservationIops == null ? d.reservationIops() : reservationIops,
                    weight == null ? d.weight() : weight,
                    maxDelayMs == null ? d.maxDelayNanos() : maxDelayMs * 1_000_000L);
        }

        private static BucketLimit limit(Limit limit) {
            return limit == null ? BucketLimit.NONE : limit.bucketLimit();
        }
    }

    /** A limit, either {@code {rate: R, burst: B, burst-seconds: S}} or just the rate. */
    record Limit(Double rate, Double burst, Double burstSeconds) {
        @JsonCreator(mode = JsonCreator.Mode.PROPERTIES)
        Limit {}

        @JsonCreator(mode = JsonCreator.Mode.DELEGATING)
        static Limit of(double rate) {
            return new Limit(rate, null, null);
        }

        BucketLimit bucketLimit() {
            return new BucketLimit(
                    rate == null ? 0 : rate, burst == null ? 0 : burst, burstSeconds == null ? 1 : burstSeconds);
        }
    }
}
