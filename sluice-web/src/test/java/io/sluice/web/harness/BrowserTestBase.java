package io.sluice.web.harness;

import com.microsoft.playwright.Browser;
import com.microsoft.playwright.BrowserType;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.Playwright;
import com.microsoft.playwright.assertions.PlaywrightAssertions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;

/**
 * Debian's Chromium, headless, driven by Playwright, in front of the web server of {@link WebTestBase}. Subclasses are
 * annotated {@code @EnabledIf("io.sluice.web.harness.BrowserTestBase#chromiumInstalled")}. Screenshots go to
 * target/screenshots.
 */
@Tag("system")
public abstract class BrowserTestBase extends WebTestBase {
    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    private static final Path SHOTS = Path.of("target", "screenshots");

    private Playwright playwright;
    protected Browser browser;

    public static boolean chromiumInstalled() {
        return Files.isExecutable(CHROMIUM);
    }

    @BeforeAll
    void startBrowser() throws Exception {
        // Assertions wait for the page to get there; on a busy machine the first page alone can take seconds.
        PlaywrightAssertions.setDefaultAssertionTimeout(30_000);
        Files.createDirectories(SHOTS);
        playwright = Playwright.create();
        browser = playwright
                .chromium()
                .launch(new BrowserType.LaunchOptions()
                        .setExecutablePath(CHROMIUM)
                        .setHeadless(true)
                        .setArgs(List.of(
                                "--no-sandbox",
                                "--disable-gpu",
                                "--disable-background-networking",
                                "--disable-component-update",
                                "--disable-sync")));
    }

    @AfterAll
    void stopBrowser() {
        if (browser != null) {
            browser.close();
        }
        if (playwright != null) {
            playwright.close();
        }
    }

    protected static void shot(Page page, String name) {
        // Generous bound: on a busy machine Chromium may take long to settle a page with live charts.
        page.screenshot(new Page.ScreenshotOptions()
                .setPath(SHOTS.resolve(name + ".png"))
                .setFullPage(true)
                .setTimeout(90_000));
    }
}
