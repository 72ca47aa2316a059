package io.sluice.db.json;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonSerializable;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.jsontype.TypeSerializer;
import io.sluice.db.store.SamplePoint;
import java.io.IOException;
import java.util.List;

/**
 * The points of a range answer, written field by field by the generator when the answer is serialised: a page of 800
 * points as a tree was 9,000 nodes built only to be walked once.
 */
final class StreamedPoints implements JsonSerializable {
    private final List<SamplePoint> points;

    StreamedPoints(List<SamplePoint> points) {
        this.points = List.copyOf(points);
    }

    int size() {
        return points.size();
    }

    @Override
    public void serialize(JsonGenerator out, SerializerProvider provider) throws IOException {
        out.writeStartArray(points, points.size());
        for (SamplePoint p : points) {
            out.writeStartObject();
            out.writeNumberField("t", p.t());
            out.writeNumberField("ops", p.ops());
            out.writeNumberField("bytes", p.bytes());
            out.writeNumberField("throttledOps", p.throttledOps());
            out.writeNumberField("iops", p.iops());
            out.writeNumberField("bytesPerSec", p.bytesPerSec());
            out.writeNumberField("latencyMeanMicros", p.latencyMeanMicros());
            out.writeNumberField("latencyP50Micros", p.latencyPercentile(50));
            out.writeNumberField("latencyP95Micros", p.latencyPercentile(95));
            out.writeNumberField("latencyP99Micros", p.latencyPercentile(99));
            out.writeNumberField("iopsLimit", p.iopsLimit());
            out.writeNumberField("windowMillis", p.windowMillis());
            out.writeEndObject();
        }
        out.writeEndArray();
    }

    @Override
    public void serializeWithType(JsonGenerator out, SerializerProvider provider, TypeSerializer typeSerializer)
            throws IOException {
        serialize(out, provider);
    }
}
