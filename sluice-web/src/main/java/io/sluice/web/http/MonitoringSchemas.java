package io.sluice.web.http;

import static io.sluice.web.http.SchemaNodes.arrayOf;
import static io.sluice.web.http.SchemaNodes.bool;
import static io.sluice.web.http.SchemaNodes.enumOf;
import static io.sluice.web.http.SchemaNodes.int32;
import static io.sluice.web.http.SchemaNodes.long64;
import static io.sluice.web.http.SchemaNodes.named;
import static io.sluice.web.http.SchemaNodes.nullable;
import static io.sluice.web.http.SchemaNodes.number;
import static io.sluice.web.http.SchemaNodes.ref;
import static io.sluice.web.http.SchemaNodes.required;
import static io.sluice.web.http.SchemaNodes.string;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Volumes, live statistics, history, the compliance report, alerts and forecasts: what MonitoringApi passes on from the
 * SLA services ({@code live.*}, {@code forecast.list}) and the database manager ({@code volume.list},
 * {@code samples.range}, {@code compliance.report}, {@code alert.*}). Rates and latencies are numbers (the services
 * average them), counters and times integers.
 */
public final class MonitoringSchemas {
    public static final String VOLUMES = "VolumePage";
    public static final String LIVE_VOLUMES = "LiveVolumes";
    public static final String LIVE_SERIES = "LiveVolumeSeries";
    public static final String LIVE_GROUPS = "LiveGroups";
    public static final String SAMPLES = "SamplePage";
    public static final String REPORT = "ComplianceReport";
    public static final String ALERT = "Alert";
    public static final String ALERTS = "AlertPage";
    public static final String FORECASTS = "ForecastList";

    private static final String[] STATES = {"MET", "AT_RISK", "VIOLATED", "NO_SLA"};

    private MonitoringSchemas() {}

    static void add(ObjectNode schemas) {
        ObjectNode live = named(schemas, "LiveVolume", "a volume's latest interval as the SLA services saw it");
        int32(live.putObject("volumeId"));
        nullable(string(live.putObject("name")));
        nullable(long64(live.putObject("gatewayId")));
        nullable(string(live.putObject("backendId")));
        nullable(string(live.putObject("sla"))).put("description", "the SLA in force, null when none");
        enumOf(live.putObject("priority"), "CRITICAL", "STANDARD", "BEST_EFFORT", "BACKGROUND");
        rates(live);
        number(live.putObject("readIops"));
        number(live.putObject("writeIops"));
        long64(live.putObject("latencyTargetMicros")).put("description", "0 when no latency objective");
        long64(live.putObject("reservedIops"));
        enumOf(live.putObject("state"), STATES);
        // A reference cannot be nullable in OpenAPI 3.0: a ManualThrottle's shape, as an object.
        nullable(live.putObject("manual").put("type", "object").put("additionalProperties", true))
                .put(
                        "description",
                        "the operator's ManualThrottle in force, sent as it is; null when the analyzer decides");
        required(schemas.get("LiveVolume"), "volumeId", "state");
        ObjectNode lives = named(schemas, LIVE_VOLUMES, null);
        long64(lives.putObject("at"));
        long64(lives.putObject("intervalMillis"));
        arrayOf(lives.putObject("items"), "LiveVolume");
        next(lives);
        required(schemas.get(LIVE_VOLUMES), "items");

        ObjectNode point = named(schemas, "LivePoint", "one second of a volume");
        long64(point.putObject("t"));
        rates(point);
        ObjectNode series = named(schemas, LIVE_SERIES, null);
        int32(series.putObject("volumeId"));
        nullable(string(series.putObject("name")));
        arrayOf(series.putObject("points"), "LivePoint");
        required(schemas.get(LIVE_SERIES), "volumeId", "points");

        ObjectNode group = named(schemas, "LiveGroup", null);
        enumOf(group.putObject("kind"), "TENANT", "HOST", "POOL");
        string(group.putObject("id"));
        number(group.putObject("iops"));
        number(group.putObject("bytesPerSec"));
        long64(group.putObject("iopsLimit"));
        enumOf(group.putObject("state"), STATES);
        required(schemas.get("LiveGroup"), "kind", "id", "state");
        arrayOf(named(schemas, LIVE_GROUPS, null).putObject("items"), "LiveGroup");
        required(schemas.get(LIVE_GROUPS), "items");

        ObjectNode volume = named(schemas, "Volume", "a registered volume, with its live interval");
        int32(volume.putObject("volumeId"));
        nullable(string(volume.putObject("name")))
                .put("description", "gateway name/export name, or the export name when shared");
        nullable(string(volume.putObject("exportName")));
        nullable(string(volume.putObject("gatewayName")));
        bool(volume.putObject("shared"));
        long64(volume.putObject("gatewayId"));
        nullable(string(volume.putObject("backendId")));
        nullable(long64(volume.putObject("allocatedBytes")));
        nullable(long64(volume.putObject("usedBytes")));
        long64(volume.putObject("lastSeen"));
        // A reference cannot be nullable in OpenAPI 3.0: the live interval is an object of LiveVolume's shape.
        nullable(volume.putObject("live").put("type", "object").put("additionalProperties", true))
                .put("description", "the volume's LiveVolume, null when the services do not know it");
        required(schemas.get("Volume"), "volumeId");
        ObjectNode volumes = named(schemas, VOLUMES, null);
        arrayOf(volumes.putObject("items"), "Volume");
        next(volumes);
        bool(volumes.putObject("liveKnown")).put("description", "false while the SLA services do not answer");
        required(schemas.get(VOLUMES), "items", "liveKnown");

        ObjectNode sample = named(schemas, "SamplePoint", "one window of stored samples");
        long64(sample.putObject("t"));
        for (String s : new String[] {"ops", "bytes", "throttledOps", "iopsLimit", "windowMillis"}) {
            long64(sample.putObject(s));
        }
        for (String s : new String[] {
            "iops", "bytesPerSec", "latencyMeanMicros", "latencyP50Micros", "latencyP95Micros", "latencyP99Micros"
        }) {
            number(sample.putObject(s));
        }
        required(schemas.get("SamplePoint"), "t");
        ObjectNode samples = named(schemas, SAMPLES, null);
        enumOf(samples.putObject("resolution"), "1s", "1m", "1h");
        arrayOf(samples.putObject("points"), "SamplePoint");
        next(samples);
        required(schemas.get(SAMPLES), "resolution", "points");

        ObjectNode tally = named(schemas, "ComplianceTally", "one SLA's verdicts on one dimension over the period");
        string(tally.putObject("sla"));
        ref(tally.putObject("scope"), "Scope");
        enumOf(tally.putObject("dimension"), "LIMIT", "RESERVATION", "LATENCY");
        for (String s : new String[] {"intervals", "met", "missed"}) {
            long64(tally.putObject(s));
        }
        number(tally.putObject("metPercent"));
        number(tally.putObject("targetPercent"));
        bool(tally.putObject("compliant"));
        required(schemas.get("ComplianceTally"), "sla", "dimension");
        ObjectNode report = named(schemas, REPORT, null);
        long64(report.putObject("from"));
        long64(report.putObject("to"));
        arrayOf(report.putObject("items"), "ComplianceTally");
        required(schemas.get(REPORT), "from", "to", "items");

        ObjectNode alert = named(schemas, ALERT, null);
        long64(alert.putObject("id"));
        string(alert.putObject("key")).put("description", "what the alert is about, e.g. latency:gold");
        enumOf(alert.putObject("severity"), "INFO", "WARNING", "CRITICAL");
        string(alert.putObject("message"));
        enumOf(alert.putObject("state"), "OPEN", "CLEARED");
        long64(alert.putObject("openedAt"));
        nullable(long64(alert.putObject("clearedAt")));
        nullable(string(alert.putObject("acknowledgedBy")));
        nullable(long64(alert.putObject("acknowledgedAt")));
        required(schemas.get(ALERT), "id", "key", "state");
        ObjectNode alerts = named(schemas, ALERTS, null);
        arrayOf(alerts.putObject("items"), ALERT);
        next(alerts);
        required(schemas.get(ALERTS), "items");

        ObjectNode forecast = named(schemas, "Forecast", "a backend's capacity and when it fills at its recent growth");
        string(forecast.putObject("backendId"));
        long64(forecast.putObject("capacityBytes"));
        long64(forecast.putObject("usedBytes"));
        number(forecast.putObject("bytesPerDay"));
        nullable(number(forecast.putObject("daysUntilFull"))).put("description", "null when it does not grow");
        string(forecast.putObject("severity")).put("description", "OK, or the severity of its capacity alert");
        required(schemas.get("Forecast"), "backendId");
        arrayOf(named(schemas, FORECASTS, null).putObject("items"), "Forecast");
        required(schemas.get(FORECASTS), "items");
    }

    /** The figures every live view carries. */
    private static void rates(ObjectNode properties) {
        number(properties.putObject("iops"));
        number(properties.putObject("bytesPerSec"));
        number(properties.putObject("latencyP50Micros"));
        number(properties.putObject("latencyP99Micros"));
        long64(properties.putObject("iopsLimit"));
    }

    private static void next(ObjectNode properties) {
        nullable(string(properties.putObject("next")))
                .put("description", "the cursor for the next page (after=), null at the end");
    }
}
