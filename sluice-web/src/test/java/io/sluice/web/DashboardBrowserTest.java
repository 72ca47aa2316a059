package io.sluice.web;

import static com.microsoft.playwright.assertions.PlaywrightAssertions.assertThat;
import static org.assertj.core.api.Assertions.assertThat;

import com.microsoft.playwright.Browser;
import com.microsoft.playwright.BrowserContext;
import com.microsoft.playwright.Locator;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.options.AriaRole;
import io.sluice.web.harness.BrowserTestBase;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIf;

/**
 * The dashboard in Debian's Chromium, headless, driven by Playwright: sign in, create an SLA (seeing the inline
 * validation first), watch it on the live chart and in the compliance view, acknowledge an alert. A script tag in an
 * alert must show as text.
 */
@EnabledIf("io.sluice.web.harness.BrowserTestBase#chromiumInstalled")
public class DashboardBrowserTest extends BrowserTestBase {
    @Test
    void operatorCreatesAnSlaWatchesItLiveAndAcknowledgesAnAlert() {
        seeder.gateway(1, "APPROVED");
        seeder.volume(7, 1);
        seeder.alert("latency:browser", "WARNING", "<script>window.pwned=1</script> p99 above target on volume 7");
        BrowserContext context = browser.newContext(new Browser.NewContextOptions().setViewportSize(1280, 900));
        Page page = context.newPage();
        page.setDefaultTimeout(30_000);
        List<String> problems = new ArrayList<>();
        page.onConsoleMessage(m -> {
            // Failed requests are judged by onResponse below, which knows which ones are expected.
            if (m.type().equals("error") && !m.text().startsWith("Failed to load resource")) {
                problems.add(m.text());
            }
        });
        page.onPageError(problems::add);
        page.onResponse(r -> {
            boolean inlineValidation = r.status() == 422 && r.url().endsWith("/api/slas/validate");
            if (r.status() >= 400 && !inlineValidation) {
                problems.add(r.status() + " " + r.url());
            }
        });
        page.onDialog(d -> {
            problems.add("unexpected dialog: " + d.message());
            d.dismiss();
        });

        page.navigate(api.base() + "/#/login");
        page.getByLabel("Login").fill("operator");
        page.getByLabel("Password").fill(PASSWORD);
        page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Sign in"))
                .click();
        assertThat(page.getByRole(AriaRole.HEADING, new Page.GetByRoleOptions().setName("Overview")))
                .isVisible();
        assertThat(page.locator("#who")).containsText("operator");
        shot(page, "01-overview-empty");

        page.navigate(api.base() + "/#/slas");
        page.getByLabel("Name", new Page.GetByLabelOptions().setExact(true)).fill("browser-gold");
        page.getByLabel("Scope id").fill("7");
        page.getByLabel("IOPS limit (0 = none)").fill("4000");
        page.getByLabel("Reserved IOPS").fill("9000");
        Locator reservedError = page.locator("#f-reservedIops-err");
        assertThat(reservedError).containsText("reservation-within-limit");
        shot(page, "02-sla-inline-validation");
        page.getByLabel("Reserved IOPS").fill("1000");
        assertThat(reservedError).isEmpty();
        page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Create SLA"))
                .click();
        assertThat(page.locator("#status")).containsText("Saved browser-gold (version 1)");
        assertThat(page.locator("table")).containsText("browser-gold");
        shot(page, "03-sla-created");

        page.navigate(api.base() + "/#/live?volume=7");
        assertThat(page.locator("#live-target")).hasValue("v7");
        assertThat(page.locator("#live-readout")).containsText("3,200 IOPS");
        assertThat(page.locator("#live-readout")).containsText("state met");
        assertThat(page.locator(".charts canvas")).hasCount(4);
        page.locator("#history-resolution").selectOption("1m");
        assertThat(page.getByRole(AriaRole.REGION, new Page.GetByRoleOptions().setName("History")))
                .containsText("points");
        shot(page, "04-live-chart");

        page.navigate(api.base() + "/#/compliance");
        Locator firstTable = page.locator("table").first();
        assertThat(firstTable).containsText("browser-gold");
        assertThat(firstTable).containsText("met");
        shot(page, "05-compliance");

        page.navigate(api.base() + "/#/alerts");
        Locator alertRow = page.locator("tr", new Page.LocatorOptions().setHasText("p99 above target on volume 7"));
        assertThat(alertRow).containsText("<script>window.pwned=1</script>");
        alertRow.getByRole(AriaRole.BUTTON, new Locator.GetByRoleOptions().setName("Acknowledge alert"))
                .click();
        assertThat(page.locator("tr", new Page.LocatorOptions().setHasText("p99 above target on volume 7")))
                .containsText("user:operator at");
        shot(page, "06-alert-acknowledged");
        assertThat(page.evaluate("() => window.pwned === undefined")).isEqualTo(true);

        page.navigate(api.base() + "/#/groups");
        page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Create"))
                .click();
        assertThat(page.locator("#status")).containsText("Saved payments (version 1)");
        shot(page, "07-groups");

        Page phone = browser.newContext(new Browser.NewContextOptions()
                        .setViewportSize(390, 844)
                        .setIsMobile(true))
                .newPage();
        phone.navigate(api.base() + "/#/login");
        phone.getByLabel("Login").fill("viewer");
        phone.getByLabel("Password").fill(PASSWORD);
        phone.keyboard().press("Enter");
        assertThat(phone.getByRole(AriaRole.HEADING, new Page.GetByRoleOptions().setName("Overview")))
                .isVisible();
        assertThat(phone.locator("main")).containsText("browser-gold");
        shot(phone, "08-overview-phone");

        assertThat(problems).isEmpty();
    }
}
