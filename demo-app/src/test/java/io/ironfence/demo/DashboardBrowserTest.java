package io.ironfence.demo;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;

import io.ironfence.demo.load.LoadGenerator;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Opens the dashboard in headless Chromium, starts the load generator from the page and waits for
 * the charts to show non-zero data, the hot-lock ranking to name a lock and the holders table to fill. Skipped where Debian's Chromium
 * is not installed. Leaves a screenshot in {@code target/dashboard.png}.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class DashboardBrowserTest {

    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");

    @LocalServerPort
    int port;

    @Autowired
    LoadGenerator load;

    private ChromeDriver browser;

    @BeforeEach
    void openBrowser() {
        assumeTrue(Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER),
                "Chromium not found: install it with `apt-get install -y chromium chromium-driver` to run the dashboard test");
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-background-networking", "--window-size=1400,1100");
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER.toFile()).build();
        browser = new ChromeDriver(service, options);
    }

    @AfterEach
    void closeBrowser() {
        if (browser != null) {
            browser.quit();
        }
        load.stop();
    }

    @Test
    void chartsAndHoldersFillOnceTheLoadRuns() throws Exception {
        browser.get("http://localhost:" + port + "/");
        WebDriverWait wait = new WebDriverWait(browser, Duration.ofSeconds(60));
        wait.until(b -> number(b, "window.dashboardState.samples") >= 1);
        browser.findElement(By.id("clients")).clear();
        browser.findElement(By.id("clients")).sendKeys("16");
        browser.findElement(By.id("start")).click();

        wait.until(b -> number(b, "window.dashboardState.maxWaitP99") > 0);
        wait.until(b -> number(b, "window.dashboardState.maxHolderRows") > 0);
        wait.until(b -> number(b, "window.dashboardState.samples") >= 6); // a few seconds of history
        // the overview ranks every lock, the one callers waited for longest first
        wait.until(b -> ((JavascriptExecutor) b).executeScript("return window.dashboardState.hottest;") != null);
        var ranked = browser.findElements(By.cssSelector("#hotLocks tbody tr"));
        assertThat(ranked).hasSize(browser.findElements(By.cssSelector("#locks .card")).size());
        assertThat(ranked.get(0).getAttribute("class")).contains("hot");

        assertThat(browser.findElements(By.cssSelector("#locks .card"))).hasSizeGreaterThanOrEqualTo(4);
        assertThat(browser.findElements(By.cssSelector("#locks canvas"))).isNotEmpty(); // uPlot drew its charts
        assertThat(browser.findElement(By.id("lock-catalogue")).getText()).contains("rwlock");
        assertThat(browser.findElement(By.id("loadStatus")).getText()).contains("16 shoppers");

        File shot = ((TakesScreenshot) browser).getScreenshotAs(OutputType.FILE);
        Files.copy(shot.toPath(), Path.of("target", "dashboard.png"), StandardCopyOption.REPLACE_EXISTING);
    }

    private static double number(org.openqa.selenium.WebDriver browser, String expression) {
        Object value = ((JavascriptExecutor) browser).executeScript("return " + expression + ";");
        return value instanceof Number n ? n.doubleValue() : 0;
    }
}
