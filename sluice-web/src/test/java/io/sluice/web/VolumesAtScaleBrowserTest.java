package io.sluice.web;

import static com.microsoft.playwright.assertions.PlaywrightAssertions.assertThat;
import static org.assertj.core.api.Assertions.assertThat;

import com.microsoft.playwright.Browser;
import com.microsoft.playwright.Locator;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.options.AriaRole;
import io.sluice.web.harness.BrowserTestBase;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIf;

/**
 * The dashboard with 300 named volumes on three gateways: tables show a page of them and narrow by name, the live page
 * charts only the volumes picked (at most eight), and volumes read as names.
 */
@EnabledIf("io.sluice.web.harness.BrowserTestBase#chromiumInstalled")
class VolumesAtScaleBrowserTest extends BrowserTestBase {
    private static final int VOLUMES = 300;
    private static final String[] HOSTS = {"host-a", "host-b", "host-c"};

    private Page page;
    private final List<String> problems = new ArrayList<>();

    @BeforeAll
    void seed() {
        for (int g = 1; g <= HOSTS.length; g++) {
            seeder.gateway(g, "APPROVED", HOSTS[g - 1]);
        }
        for (int id = 1; id <= VOLUMES; id++) {
            // Volume 137 (on host-b) is the one a person looks for by name.
            seeder.volume(id, gatewayOf(id), id == 137 ? "payroll" : "disk" + id);
        }
        seeder.alert("latency:volume-137", "WARNING", "latency objective missed");
    }

    private static int gatewayOf(int volumeId) {
        return (volumeId - 1) % HOSTS.length + 1;
    }

    @BeforeEach
    void signIn() {
        problems.clear();
        page = browser.newContext(new Browser.NewContextOptions().setViewportSize(1280, 900))
                .newPage();
        page.setDefaultTimeout(30_000);
        page.onConsoleMessage(m -> {
            if (m.type().equals("error")) {
                problems.add(m.text());
            }
        });
        page.onPageError(problems::add);
        page.onResponse(r -> {
            if (r.status() >= 400) {
                problems.add(r.status() + " " + r.url());
            }
        });
        page.navigate(api.base() + "/#/login");
        page.getByLabel("Login").fill("viewer");
        page.getByLabel("Password").fill(PASSWORD);
        page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Sign in"))
                .click();
        assertThat(page.getByRole(AriaRole.HEADING, new Page.GetByRoleOptions().setName("Overview")))
                .isVisible();
    }

    @AfterEach
    void noProblems() {
        page.context().close();
        assertThat(problems).isEmpty();
    }

    @Test
    void theVolumesPageShowsAPageOfNamesFiltersByNameAndPages() {
        page.navigate(api.base() + "/#/volumes");
        Locator rows = page.locator("#volumes-rows tbody tr");
        assertThat(rows).hasCount(50);
        assertThat(rows.first()).containsText("host-a/disk1");
        assertThat(rows.first().locator("a.volume")).hasAttribute("href", "#/live?volume=1");
        assertThat(page.locator("#volumes-where")).hasText("Page 1");
        assertThat(page.locator("#volumes-previous")).isDisabled();
        assertNoBareIds(rows);
        shot(page, "scale-01-volumes");

        page.locator("#volumes-next").click();
        assertThat(page.locator("#volumes-where")).hasText("Page 2");
        assertThat(rows).hasCount(50);
        assertThat(rows.first()).containsText("host-c/disk51");
        page.locator("#volumes-previous").click();
        assertThat(page.locator("#volumes-where")).hasText("Page 1");
        assertThat(rows.first()).containsText("host-a/disk1");

        page.locator("#volumes-filter").fill("PAYROLL");
        assertThat(rows).hasCount(1);
        assertThat(rows.first()).containsText("host-b/payroll");
        assertThat(rows.first()).containsText("#137");
        assertThat(rows.first()).containsText("host-b");
        assertThat(page.locator("#volumes-next")).isDisabled();
        assertThat(page).hasURL(Pattern.compile("#/volumes\\?q=PAYROLL$"));
        shot(page, "scale-02-volumes-filtered");

        page.reload();
        assertThat(page.locator("#volumes-filter")).hasValue("PAYROLL");
        assertThat(rows).hasCount(1);
    }

    @Test
    void theOverviewTablePagesAndFiltersTheLiveVolumes() {
        Locator rows = page.locator("#overview-volumes-rows tbody tr");
        assertThat(rows).hasCount(50);
        assertThat(page.locator("#overview-volumes-where")).hasText("1–50 of 300");
        assertNoBareIds(rows);
        page.locator("#overview-volumes-next").click();
        assertThat(page.locator("#overview-volumes-where")).hasText("51–100 of 300");
        assertThat(rows.first()).containsText("host-c/disk51");

        // disk29 and disk290..disk299; the filter also takes the page back to the first.
        page.locator("#overview-volumes-filter").fill("disk29");
        assertThat(page.locator("#overview-volumes-where")).hasText("1–11 of 11");
        assertThat(rows).hasCount(11);
        page.locator("#overview-volumes-filter").fill("payroll");
        assertThat(rows).hasCount(1);
        assertThat(rows.first().locator("a.volume")).hasAttribute("href", "#/live?volume=137");
        assertThat(page.locator("table").last()).containsText("host-b/payroll");
        shot(page, "scale-03-overview");
    }

    @Test
    void theLivePageChartsOnlyThePickedVolumesAndRemembersThem() {
        page.navigate(api.base() + "/#/live?volume=137");
        assertThat(page.locator("#h-detail")).containsText("host-b/payroll");
        assertThat(page).hasTitle(Pattern.compile("host-b/payroll"));
        assertThat(page.locator("#live-target")).hasValue("v137");
        assertThat(page.locator("#live-target option")).not().hasCount(VOLUMES);

        // Nothing chosen yet: the five busiest volumes, not all three hundred.
        Locator picked = page.locator("#chart-picked li");
        assertThat(picked).hasCount(5);
        assertThat(picked.first()).containsText("host-c/disk300");
        assertThat(chartLines())
                .containsExactly(
                        "host-c/disk300", "host-b/disk299", "host-a/disk298", "host-c/disk297", "host-b/disk296");

        page.locator("#chart-search").fill("disk1");
        Locator results = page.locator("#chart-results button");
        assertThat(results).hasCount(10);
        while (picked.count() < 8) {
            int before = picked.count();
            results.first().click();
            assertThat(picked).hasCount(before + 1);
        }
        assertThat(page.locator("#chart-note")).containsText("At most 8");
        assertThat(results.first()).isDisabled();
        assertThat(chartLines()).hasSize(8).contains("host-a/disk1", "host-a/disk10", "host-b/disk11");
        assertThat(page.evaluate(
                        "() => new Set(Chart.getChart('compare-iops').data.datasets.map(d => d.borderColor)).size"))
                .as("each line its own colour")
                .isEqualTo(8);

        page.locator("#chart-search").fill("payroll");
        assertThat(results).hasCount(1);
        page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Stop charting host-c/disk300"))
                .click();
        assertThat(picked).hasCount(7);
        results.first().click();
        assertThat(picked).hasCount(8);
        assertThat(chartLines()).hasSize(8).contains("host-b/payroll").doesNotContain("host-c/disk300");
        assertThat(page).hasURL(Pattern.compile("chart=(\\d+,){7}\\d+$"));
        shot(page, "scale-04-live-picker");

        // The choice outlives the page: another volume's live page charts the same eight.
        page.navigate(api.base() + "/#/live?volume=5");
        assertThat(page.locator("#h-detail")).containsText("host-b/disk5");
        assertThat(picked).hasCount(8);
        assertThat(page.locator("#chart-picked")).containsText("host-b/payroll");
        assertThat(chartLines()).hasSize(8);
    }

    @Test
    void alertsNameTheirVolume() {
        page.navigate(api.base() + "/#/alerts");
        Locator row = page.locator("tr", new Page.LocatorOptions().setHasText("latency objective missed"));
        assertThat(row).containsText("host-b/payroll");
        assertThat(row.locator("a.volume")).hasAttribute("title", "volume id 137");
    }

    /** The legend of the live IOPS comparison: one dataset per line drawn. */
    @SuppressWarnings("unchecked")
    private List<String> chartLines() {
        return (List<String>) page.evaluate("() => Chart.getChart('compare-iops').data.datasets.map(d => d.label)");
    }

    /** No cell of a volume table is a bare number where a name belongs. */
    private static void assertNoBareIds(Locator rows) {
        List<String> firstCells = rows.locator("td:first-child").allTextContents();
        assertThat(firstCells)
                .isNotEmpty()
                .noneMatch(t -> t.strip().matches("\\d+"))
                .allMatch(t -> t.matches("host-[abc]/\\S+ #\\d+.*"));
    }
}
