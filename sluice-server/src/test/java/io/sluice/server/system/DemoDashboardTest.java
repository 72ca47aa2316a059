package io.sluice.server.system;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.microsoft.playwright.Browser;
import com.microsoft.playwright.BrowserType;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.Playwright;
import io.sluice.common.EpochClock;
import io.sluice.mailbox.Mailbox;
import io.sluice.mailbox.MailboxClient;
import io.sluice.mailbox.Reply;
import io.sluice.mailbox.ServerMailboxes;
import io.sluice.pki.CertificateAuthority;
import io.sluice.protocol.CallStatus;
import io.sluice.protocol.MailboxOpcodes;
import io.sluice.server.TestSupervision;
import io.sluice.server.config.RoleCatalog;
import io.sluice.server.config.ServerSettings;
import io.sluice.server.demo.DemoFleet;
import io.sluice.server.demo.DemoPlan;
import io.sluice.server.demo.DemoSeed;
import io.sluice.server.supervisor.RoleSpec;
import io.sluice.server.supervisor.Supervisor;
import io.sluice.testkit.Await;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The demo as {@code sluice demo} runs it (four server roles, the array, two gateways, load), seen the way a person
 * sees it: Debian's Chromium, driven by Playwright, signs in with the demo's login and opens the overview and bronze's
 * live chart. Screenshots go to target/screenshots/ (the README's picture is one of them). Meanwhile the services' live
 * view must show bronze throttled while it floods.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
@Tag("system")
class DemoDashboardTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path SCREENSHOTS = Path.of("target", "screenshots");

    @TempDir
    Path dir;

    @Test
    void theDemoDashboardShowsBronzeThrottledWhileItFloods() throws Exception {
        DemoPlan plan = DemoPlan.prepare(dir, 0, 1_000, DemoFleet.of(2));
        ServerSettings settings =
                plan.serverSettings("sluice-dash-" + ProcessHandle.current().pid(), ServerSettings.ALL_ROLES);
        List<RoleSpec> roles = new ArrayList<>(RoleCatalog.roles(settings));
        roles.addAll(plan.workload());
        String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        ConcurrentLinkedQueue<String> log = new ConcurrentLinkedQueue<>();
        String[] password = {null};
        Files.createDirectories(SCREENSHOTS);
        try (Supervisor supervisor = new Supervisor(
                settings.runDir(),
                RoleCatalog.mailboxes(settings),
                roles,
                classpath,
                TestSupervision.HEARTBEAT_TIMEOUT_MILLIS,
                EpochClock.system(),
                log::add)) {
            supervisor.start(role -> {
                if (role.equals("db")) {
                    try {
                        password[0] =
                                DemoSeed.seed(RoleCatalog.mailbox(settings, ServerMailboxes.DB_SUFFIX), plan.slas());
                    } catch (Exception e) {
                        log.add("seed failed: " + e);
                    }
                }
            });
            assertThat(password[0]).as(String.join("\n", log)).isNotNull();
            Thread stepper = Thread.ofPlatform().daemon().start(() -> {
                while (!Thread.currentThread().isInterrupted()) {
                    try {
                        supervisor.doWork();
                        Thread.sleep(100);
                    } catch (Exception e) {
                        return;
                    }
                }
            });
            try (Mailbox box = Mailbox.open(RoleCatalog.mailbox(settings, ServerMailboxes.SERVICES_QUERIES_SUFFIX));
                    MailboxClient services = MailboxClient.attach(box, ServerMailboxes.CALLER_TOOLS)) {
                // Bronze floods: its limit in force drops below what its SLA allows, for gold's sake.
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(150);
                JsonNode bronze = null;
                while (System.nanoTime() < deadline) {
                    bronze = volume(services, DemoPlan.BRONZE_VOLUME_ID);
                    if (bronze != null
                            && bronze.path("iops").asLong() > 100
                            && bronze.path("iopsLimit").asLong() > 0
                            && bronze.path("iopsLimit").asLong() < 5_000) {
                        break;
                    }
                    bronze = null;
                    Thread.sleep(500);
                }
                assertThat(bronze)
                        .as("bronze throttled below its SLA's 5,000 IOPS while flooding")
                        .isNotNull();
                assertThat(bronze.path("sla").asText()).isEqualTo("bronze");
                JsonNode gold = volume(services, 1);
                assertThat(gold.path("sla").asText()).isEqualTo("gold");
                // Gold's SLA has a latency objective and a reservation: its gateway holds a set of the services' in
                // force (a set carrying a latency target, which no gateway enforces, was refused whole).
                Path goldStats = plan.statsFile("gold");
                Await.until(
                        60_000,
                        () -> GatewayStatsFile.qosVersion(goldStats) > 0,
                        () -> "gold's gateway stats: " + GatewayStatsFile.read(goldStats));

                try (Playwright playwright = Playwright.create();
                        Browser browser = playwright
                                .chromium()
                                .launch(new BrowserType.LaunchOptions()
                                        .setExecutablePath(Path.of("/usr/bin/chromium"))
                                        .setHeadless(true)
                                        .setArgs(List.of(
                                                "--no-sandbox",
                                                "--disable-gpu",
                                                "--disable-background-networking",
                                                "--disable-component-update",
                                                "--disable-sync")))) {
                    Page page = browser.newPage(new Browser.NewPageOptions().setViewportSize(1280, 860));
                    page.navigate("http://" + settings.webListen() + "/#/login");
                    page.locator("input[name=login]").fill(DemoSeed.LOGIN);
                    page.locator("input[name=password]").fill(password[0]);
                    page.locator("form button[type=submit]").click();
                    page.waitForURL("**/#/overview");
                    page.getByText("gold").first().waitFor();
                    page.getByText("bronze").first().waitFor();
                    page.waitForTimeout(3_000);
                    page.screenshot(new Page.ScreenshotOptions()
                            .setPath(SCREENSHOTS.resolve("demo-overview.png"))
                            .setFullPage(true));
                    page.navigate("http://" + settings.webListen() + "/#/live?volume=" + DemoPlan.BRONZE_VOLUME_ID);
                    page.locator("canvas").first().waitFor();
                    page.waitForTimeout(8_000);
                    page.screenshot(new Page.ScreenshotOptions()
                            .setPath(SCREENSHOTS.resolve("demo-live-bronze.png"))
                            .setFullPage(true));
                    assertThat(page.locator("#history-note").textContent())
                            .as("the last hour's history shows what the demo stored, not the empty start of the hour")
                            .matches("\\d+ points.*");
                }
                assertThat(SCREENSHOTS.resolve("demo-overview.png")).isNotEmptyFile();
                assertThat(Files.readString(settings.runDir().resolve("logs").resolve("monitor.log")))
                        .as("the demo's gateway link is TLS")
                        .contains("(TLS, CA " + plan.pkiDir().resolve(CertificateAuthority.CERTIFICATE_FILE) + ")");
            } finally {
                stepper.interrupt();
            }
        } finally {
            RoleCatalog.removeMailboxes(settings);
        }
    }

    private static JsonNode volume(MailboxClient services, int volumeId) throws Exception {
        Reply reply = services.call(
                        MailboxOpcodes.SERVICES_JSON, "{\"op\":\"live.volumes\",\"actor\":\"system:test\"}".getBytes())
                .get(10, TimeUnit.SECONDS);
        if (reply.status() != CallStatus.OK) {
            return null;
        }
        for (JsonNode v : JSON.readTree(reply.result()).path("items")) {
            if (v.path("volumeId").asInt() == volumeId) {
                return v;
            }
        }
        return null;
    }
}
