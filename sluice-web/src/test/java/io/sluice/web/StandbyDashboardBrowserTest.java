package io.sluice.web;

import static com.microsoft.playwright.assertions.PlaywrightAssertions.assertThat;
import static org.assertj.core.api.Assertions.assertThat;

import com.microsoft.playwright.Browser;
import com.microsoft.playwright.Locator;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.options.AriaRole;
import io.sluice.web.harness.BrowserTestBase;
import io.sluice.web.harness.SupervisorStatus;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIf;

/**
 * The dashboard of a standby server: a banner naming the active and its edit controls disabled, both gone once the
 * server is promoted, without a reload.
 */
@EnabledIf("io.sluice.web.harness.BrowserTestBase#chromiumInstalled")
public class StandbyDashboardBrowserTest extends BrowserTestBase {
    private SupervisorStatus supervisor;

    @Override
    protected WebContext context(Path mailboxDir, String serverName) {
        supervisor = new SupervisorStatus(mailboxDir.resolve("status.json"), "sla-a.example:7070");
        supervisor.write("active", "sla-a.example:7070", 1);
        return super.context(mailboxDir, serverName).withPairStatus(supervisor.file());
    }

    private static Locator button(Page page, String name) {
        return page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName(name));
    }

    @Test
    void aStandbysDashboardSaysSoAndDisablesEditsUntilItIsPromoted() {
        assertThat(api.post(
                                "/api/slas",
                                Map.of(
                                        "name",
                                        "gold",
                                        "scope",
                                        Map.of("kind", "VOLUME", "id", "7"),
                                        "iopsLimit",
                                        5000,
                                        "reservedIops",
                                        1000,
                                        "priority",
                                        "STANDARD"),
                                operator)
                        .status())
                .isEqualTo(201);
        supervisor.write("standby", "sla-b.example:7070", 4);

        Page page = browser.newContext(new Browser.NewContextOptions().setViewportSize(1280, 900))
                .newPage();
        page.setDefaultTimeout(30_000);
        page.navigate(api.base() + "/#/login");
        page.getByLabel("Login").fill("operator");
        page.getByLabel("Password").fill(PASSWORD);
        button(page, "Sign in").click();
        Locator banner = page.locator("#pair-banner");
        assertThat(banner).isVisible();
        assertThat(banner).containsText("Standby - the active server is sla-b.example");

        page.navigate(api.base() + "/#/slas");
        assertThat(button(page, "Create SLA")).isDisabled();
        assertThat(button(page, "Delete gold")).isDisabled();
        assertThat(banner).isVisible();
        shot(page, "standby-01-slas-read-only");

        // Promoted: the page asks again every few seconds and gives the controls back.
        supervisor.write("active", "sla-a.example:7070", 5);
        assertThat(banner).isHidden();
        assertThat(button(page, "Create SLA")).isEnabled();
        assertThat(button(page, "Delete gold")).isEnabled();
        shot(page, "standby-02-promoted");
    }
}
