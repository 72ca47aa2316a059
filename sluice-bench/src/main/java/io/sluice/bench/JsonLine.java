package io.sluice.bench;

import java.util.Map;

/** The one-line JSON object every benchmark prints last: flat, keys in insertion order. */
public final class JsonLine {
    private JsonLine() {}

    public static String of(Map<String, Object> fields) {
        StringBuilder line = new StringBuilder("{");
        fields.forEach((key, value) -> {
            if (line.length() > 1) {
                line.append(',');
            }
            line.append('"').append(key).append("\":").append(value instanceof String s ? '"' + s + '"' : value);
        });
        return line.append('}').toString();
    }
}
