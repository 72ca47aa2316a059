package io.sluice.web;

import static com.microsoft.playwright.assertions.PlaywrightAssertions.assertThat;
import static org.assertj.core.api.Assertions.assertThat;

import com.microsoft.playwright.Browser;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.options.AriaRole;
import io.sluice.web.harness.BrowserTestBase;
import io.sluice.web.harness.InMemoryBackend;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIf;

/**
 * An operator's actions on the dashboard: fresh statistics from the gateways page, and a manual throttle set and
 * cancelled from a volume's live page, shown as manual (who, until when) in the readout and the overview.
 */
@EnabledIf("io.sluice.web.harness.BrowserTestBase#chromiumInstalled")
public class OperatorActionsBrowserTest extends BrowserTestBase {
    @Test
    void anOperatorPollsAGatewayAndSetsAndCancelsAManualThrottle() {
        seeder.gateway(1, "APPROVED");
        seeder.volume(7, 1);
        Page page = browser.newContext(new Browser.NewContextOptions().setViewportSize(1280, 900))
                .newPage();
        page.setDefaultTimeout(30_000);
        List<String> problems = new ArrayList<>();
        page.onPageError(problems::add);
        page.onResponse(r -> {
            if (r.status() >= 400) {
                problems.add(r.status() + " " + r.url());
            }
        });
        page.navigate(api.base() + "/#/login");
        page.getByLabel("Login").fill("operator");
        page.getByLabel("Password").fill(PASSWORD);
        page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Sign in"))
                .click();
        assertThat(page.getByRole(AriaRole.HEADING, new Page.GetByRoleOptions().setName("Overview")))
                .isVisible();

        page.navigate(api.base() + "/#/gateways");
        page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("fresh statistics of gateway 1"))
                .click();
        assertThat(page.locator("#status")).containsText("Gateway 1: polled now.");
        assertThat(((InMemoryBackend) backend).polledGateways()).containsExactly(1L);
        shot(page, "operator-01-gateway-polled");

        page.navigate(api.base() + "/#/live?volume=7");
        page.locator("#throttle-section summary").click();
        page.getByLabel("IOPS limit", new Page.GetByLabelOptions().setExact(true))
                .fill("300");
        page.getByLabel("For (minutes)").fill("10");
        page.getByLabel("Reason").fill("noisy neighbour");
        page.locator("#throttle-set").click();
        assertThat(page.locator("#status")).containsText("Manual throttle on");
        assertThat(page.locator("#live-readout")).containsText("manual throttle by user:operator until");
        shot(page, "operator-02-manual-throttle");

        page.navigate(api.base() + "/#/");
        assertThat(page.locator(".manual")).containsText("manual 300 IOPS");
        assertThat(page.locator(".manual")).containsText("user:operator, until");

        page.navigate(api.base() + "/#/live?volume=7");
        page.locator("#throttle-section summary").click();
        page.locator("#throttle-cancel").click();
        assertThat(page.locator("#status")).containsText("cancelled");
        assertThat(page.locator("#live-readout")).not().containsText("manual throttle");
        assertThat(problems).isEmpty();
    }
}
