package io.sluice.web.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

class ComplianceCsvTest {
    @Test
    void quotesSeparatorsAndDefusesSpreadsheetFormulas() throws Exception {
        var report = new ObjectMapper().readTree("""
                {"items": [
                  {"sla": "gold", "scope": {"kind": "TENANT", "id": "acme, inc"}, "dimension": "LATENCY", "intervals": 10,
                   "met": 9, "missed": 1, "metPercent": 90.0, "targetPercent": 99.0, "compliant": false},
                  {"sla": "=HYPERLINK(\\"x\\")", "scope": {"kind": "VOLUME", "id": "1"}, "dimension": "LIMIT", "intervals": 1,
                   "met": 1, "missed": 0, "metPercent": 100.0, "targetPercent": 99.0, "compliant": true}
                ]}""");
        String[] lines = ComplianceCsv.render(report).split("\r\n");
        assertThat(lines[0]).isEqualTo("sla,scope,dimension,intervals,met,missed,metPercent,targetPercent,compliant");
        assertThat(lines[1]).isEqualTo("gold,\"TENANT:acme, inc\",LATENCY,10,9,1,90.0,99.0,false");
        assertThat(lines[2]).startsWith("\"'=HYPERLINK(\"\"x\"\")\",VOLUME:1,LIMIT,");
    }
}
