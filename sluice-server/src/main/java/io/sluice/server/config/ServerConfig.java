package io.sluice.server.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * The SLA server's configuration file as written ({@code conf/sluice.example.yaml} documents every key). Every key is
 * optional here; {@link ServerSettings} applies the command line over it, fills defaults and validates the result.
 * Unknown keys are errors, so a misspelt key never goes unnoticed.
 */
public record ServerConfig(
        String name,
        String dataDir,
        String runDir,
        String mailboxDir,
        String secretFile,
        Long heartbeatTimeoutMs,
        List<String> roles,
        Map<String, List<String>> jvmOptions,
        Monitor monitor,
        Services services,
        Database database,
        Web web,
        Ha ha) {
    /** Without the {@code ha} section: a server on its own. */
    public ServerConfig(
            String name,
            String dataDir,
            String runDir,
            String mailboxDir,
            String secretFile,
            Long heartbeatTimeoutMs,
            List<String> roles,
            Map<String, List<String>> jvmOptions,
            Monitor monitor,
            Services services,
            Database database,
            Web web) {
        this(
                name,
                dataDir,
                runDir,
                mailboxDir,
                secretFile,
                heartbeatTimeoutMs,
                roles,
                jvmOptions,
                monitor,
                services,
                database,
                web,
                null);
    }

    /**
     * High availability: this server is one of several sharing the PostgreSQL of {@code database}, active only while it
     * holds the lease there (docs/operations.md, "Running a pair").
     *
     * @param advertise this server's monitor address as gateways dial it, {@code HOST:PORT}: the lease's holder, which
     *     the other servers' monitors name to gateways while this one is active
     * @param leaseDurationMs how long the lease lasts past a renewal, by the database's clock (default 5000)
     * @param safetyMarginMs how long the holder keeps acting without a successful renewal (default 3000)
     * @param renewEveryMs how often the holder renews and a standby tries to take the lease (default 1000)
     */
    public record Ha(String advertise, Long leaseDurationMs, Long safetyMarginMs, Long renewEveryMs) {}

    public record Monitor(
            String listen,
            Long pollIntervalMs,
            List<String> approve,
            Integer missLimit,
            Integer pairs,
            Long handshakeTimeoutMs,
            Integer maxUnauthenticated,
            Integer maxUnauthenticatedPerAddress,
            Integer maxVolumesPerGateway,
            Boolean tls,
            List<String> tlsNames,
            Integer maxHandshakesInProgress,
            Boolean insecurePlaintext,
            Integer gatewayCertificateDays,
            Integer maxHandshakesPerAddress,
            Map<String, List<String>> sharedVolumes,
            Integer maxPairs) {
        public Monitor(String listen, Long pollIntervalMs, List<String> approve, Integer missLimit, Integer pairs) {
            this(
                    listen,
                    pollIntervalMs,
                    approve,
                    missLimit,
                    pairs,
                    null,
                    null,
                    null,
                    null,
                    null,
                    null,
                    null,
                    null,
                    null,
                    null,
                    null,
                    null);
        }

        /** A monitor section built in code (the demo's plan, tests), every key not set left to its default. */
        public static Builder builder(String listen, Long pollIntervalMs, List<String> approve) {
            return new Builder(listen, pollIntervalMs, approve);
        }

        /** The keys code sets; a configuration file is read through the canonical constructor. */
        public static final class Builder {
            private final String listen;
            private final Long pollIntervalMs;
            private final List<String> approve;
            private Integer pairs;
            private Integer maxUnauthenticated;
            private Integer maxUnauthenticatedPerAddress;
            private Integer maxVolumesPerGateway;
            private Boolean tls;
            private Boolean insecurePlaintext;

            private Builder(String listen, Long pollIntervalMs, List<String> approve) {
                this.listen = listen;
                this.pollIntervalMs = pollIntervalMs;
                this.approve = approve;
            }

            public Builder pairs(int count) {
                this.pairs = count;
                return this;
            }

            public Builder maxUnauthenticated(int total, int perAddress) {
                this.maxUnauthenticated = total;
                this.maxUnauthenticatedPerAddress = perAddress;
                return this;
            }

            public Builder maxVolumesPerGateway(int count) {
                this.maxVolumesPerGateway = count;
                return this;
            }

            public Builder tls(boolean on) {
                this.tls = on;
                return this;
            }

            public Builder insecurePlaintext(boolean on) {
                this.insecurePlaintext = on;
                return this;
            }

            public Monitor build() {
                return new Monitor(
                        listen,
                        pollIntervalMs,
                        approve,
                        null,
                        pairs,
                        null,
                        maxUnauthenticated,
                        maxUnauthenticatedPerAddress,
                        maxVolumesPerGateway,
                        tls,
                        null,
                        null,
                        insecurePlaintext,
                        null,
                        null,
                        null,
                        null);
            }
        }
    }

    public record Services(String bootstrap, Integer maxVolumes, Long volumeExpiryMs) {}

    public record Database(
            String jdbcUrl, String user, String passwordFile, Boolean insecureLink, String historyLayout) {}

    public record Web(String listen, String publicUrl, Tls tls, Boolean allowPlaintext) {
        public Web(String listen) {
            this(listen, null, null, null);
        }
    }

    public record Tls(String certificate, String key) {}

    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory())
            .setPropertyNamingStrategy(PropertyNamingStrategies.KEBAB_CASE)
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, true);

    public static final ServerConfig EMPTY =
            new ServerConfig(null, null, null, null, null, null, null, null, null, null, null, null, null);

    /** Reads {@code file}; a syntax error or unknown key is an {@link IllegalArgumentException} naming the place. */
    public static ServerConfig read(Path file) throws IOException {
        try {
            ServerConfig config = YAML.readValue(file.toFile(), ServerConfig.class);
            return config == null ? EMPTY : config;
        } catch (JsonMappingException e) {
            throw new IllegalArgumentException(file + ": " + e.getOriginalMessage() + " at " + e.getPathReference(), e);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(file + ": " + e.getOriginalMessage(), e);
        }
    }

    public Monitor monitorOrEmpty() {
        return monitor == null ? new Monitor(null, null, null, null, null) : monitor;
    }

    public Services servicesOrEmpty() {
        return services == null ? new Services(null, null, null) : services;
    }

    public Database databaseOrEmpty() {
        return database == null ? new Database(null, null, null, null, null) : database;
    }

    public Web webOrEmpty() {
        return web == null ? new Web(null, null, null, null) : web;
    }
}
