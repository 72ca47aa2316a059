package io.sluice.web.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.sluice.web.harness.ApiClient;
import io.sluice.web.harness.ApiClient.Credentials;
import io.sluice.web.harness.InMemoryBackend;
import io.sluice.web.harness.WebTestBase;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** {@code GET /api/volumes?q=}: checked, handed to the database manager as {@code match}, paged with the rest. */
class VolumeSearchApiTest extends WebTestBase {

    @BeforeAll
    void seed() {
        seeder.gateway(1, "APPROVED", "host-a");
        for (int i = 1; i <= 120; i++) {
            seeder.volume(i, 1, "disk" + i);
        }
        seeder.volume(500, 1, "payroll");
    }

    private InMemoryBackend memory() {
        return (InMemoryBackend) backend;
    }

    @Test
    void qIsForwardedAsMatchAndNarrowsTheVolumesByName() {
        ApiClient.Response r = api.get("/api/volumes?q=PAYROLL", viewer);
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        assertThat(memory().volumeListRequests().getLast().path("match").asText())
                .isEqualTo("PAYROLL");
        JsonNode items = r.json().path("items");
        assertThat(items).hasSize(1);
        assertThat(items.get(0).path("volumeId").asLong()).isEqualTo(500);
        assertThat(items.get(0).path("name").asText()).isEqualTo("host-a/payroll");
        assertThat(items.get(0).path("live").path("name").asText()).isEqualTo("host-a/payroll");
    }

    @Test
    void aMatchIsPagedWithLimitAndAfter() {
        // disk1, disk10..disk19 and disk100..disk120: 32 volumes.
        List<Long> seen = new ArrayList<>();
        String after = null;
        int pages = 0;
        do {
            ApiClient.Response r =
                    api.get("/api/volumes?q=disk1&limit=10" + (after == null ? "" : "&after=" + after), viewer);
            assertThat(r.status()).as(r.toString()).isEqualTo(200);
            for (JsonNode v : r.json().path("items")) {
                seen.add(v.path("volumeId").asLong());
            }
            after = r.json().path("next").isNull()
                    ? null
                    : r.json().path("next").asText();
            pages++;
        } while (after != null);
        assertThat(pages).isEqualTo(4);
        assertThat(seen)
                .hasSize(32)
                .doesNotHaveDuplicates()
                .contains(1L, 10L, 19L, 100L, 120L)
                .doesNotContain(2L, 500L);
        assertThat(memory().volumeListRequests().getLast().path("match").asText())
                .isEqualTo("disk1");
    }

    @Test
    void withoutQNoMatchIsSentAndABlankQIsNoFilter() {
        api.get("/api/volumes?limit=5", viewer);
        assertThat(memory().volumeListRequests().getLast().has("match")).isFalse();
        ApiClient.Response blank = api.get("/api/volumes?limit=5&q=%20%20", viewer);
        assertThat(blank.status()).isEqualTo(200);
        assertThat(blank.json().path("items")).hasSize(5);
        assertThat(memory().volumeListRequests().getLast().has("match")).isFalse();
    }

    @Test
    void aTooLongOrUnprintableQIsATypedProblemAndNeverReachesTheDatabase() {
        int before = memory().volumeListRequests().size();
        ApiClient.Response longest = api.get("/api/volumes?q=" + "x".repeat(200), viewer);
        assertThat(longest.status()).as(longest.toString()).isEqualTo(200);
        int sent = memory().volumeListRequests().size();
        assertThat(sent).isEqualTo(before + 1);

        ApiClient.Response tooLong = api.get("/api/volumes?q=" + "x".repeat(201), viewer);
        assertThat(tooLong.status()).isEqualTo(422);
        assertThat(tooLong.json().path("field").asText()).isEqualTo("q");
        assertThat(tooLong.json().path("rule").asText()).isEqualTo("max-length");
        ApiClient.Response control = api.get("/api/volumes?q=disk%0A1", viewer);
        assertThat(control.status()).isEqualTo(422);
        assertThat(control.json().path("field").asText()).isEqualTo("q");
        assertThat(control.json().path("rule").asText()).isEqualTo("printable");
        assertThat(memory().volumeListRequests()).hasSize(sent);
    }

    @Test
    void theApiDocumentDescribesQ() {
        JsonNode params = api.get("/api/openapi.json", Credentials.NONE)
                .json()
                .path("paths")
                .path("/api/volumes")
                .path("get")
                .path("parameters");
        List<String> query = new ArrayList<>();
        for (JsonNode p : params) {
            if (p.path("in").asText().equals("query")) {
                query.add(p.path("name").asText());
            }
        }
        assertThat(query).containsExactly("limit", "after", "q");
    }
}
