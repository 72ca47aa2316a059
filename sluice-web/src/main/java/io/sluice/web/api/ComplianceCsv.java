package io.sluice.web.api;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * A compliance report as CSV (RFC 4180). Text cells that a spreadsheet would run as a formula (starting with = + - @ or
 * a control character) are prefixed with an apostrophe.
 */
final class ComplianceCsv {
    private static final String[] COLUMNS = {
        "sla", "scope", "dimension", "intervals", "met", "missed", "metPercent", "targetPercent", "compliant"
    };

    private ComplianceCsv() {}

    static String render(JsonNode report) {
        StringBuilder out = new StringBuilder();
        out.append(String.join(",", COLUMNS)).append("\r\n");
        for (JsonNode item : report.path("items")) {
            for (int i = 0; i < COLUMNS.length; i++) {
                if (i > 0) {
                    out.append(',');
                }
                out.append(cell(item.get(COLUMNS[i])));
            }
            out.append("\r\n");
        }
        return out.toString();
    }

    private static String cell(JsonNode value) {
        if (value == null || value.isNull()) {
            return "";
        }
        if (value.isNumber() || value.isBoolean()) {
            return value.asText();
        }
        String text = value.isObject() ? scope(value) : value.asText();
        if (!text.isEmpty() && "=+-@\t\r".indexOf(text.charAt(0)) >= 0) {
            text = "'" + text;
        }
        if (text.indexOf(',') >= 0 || text.indexOf('"') >= 0 || text.indexOf('\n') >= 0 || text.indexOf('\r') >= 0) {
            text = "\"" + text.replace("\"", "\"\"") + "\"";
        }
        return text;
    }

    private static String scope(JsonNode scope) {
        return scope.path("kind").asText("") + ":" + scope.path("id").asText("");
    }
}
