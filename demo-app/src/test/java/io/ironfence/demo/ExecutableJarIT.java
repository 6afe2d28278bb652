package io.ironfence.demo;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The packaged demo runs as the README says, {@code java -jar demo-app/target/demo-app-*.jar}, and
 * starts with no warning from IronFence. Runs after {@code package} (failsafe), on a free port.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ExecutableJarIT {

    private static final Pattern STARTED_ON_PORT = Pattern.compile("Tomcat started on port (\\d+)");

    @Test
    void theJarStartsAndServesTheLocksEndpoint() throws Exception {
        Path jar;
        try (Stream<Path> files = Files.list(Path.of("target"))) {
            jar = files.filter(path -> path.getFileName().toString().matches("demo-app-.*\\.jar")).findFirst()
                    .orElseThrow();
        }
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process demo = new ProcessBuilder(java, "-jar", jar.toString(), "--server.port=0", "--server.address=127.0.0.1")
                .redirectErrorStream(true).start();
        List<String> log = new ArrayList<>();
        try (BufferedReader out = new BufferedReader(new InputStreamReader(demo.getInputStream(), StandardCharsets.UTF_8))) {
            int port = -1;
            for (String line = out.readLine(); line != null && port < 0; line = out.readLine()) {
                log.add(line);
                Matcher started = STARTED_ON_PORT.matcher(line);
                if (started.find()) {
                    port = Integer.parseInt(started.group(1));
                }
            }
            assertThat(port).as("started, log:%n%s", String.join("\n", log)).isPositive();
            assertThat(new Http(port).get("/actuator/locks").body()).contains("\"catalogue\"").contains("\"ledger\"");
            // IronFence's loggers, as Boot prints them in full or abbreviated (i.i.spring.NamedLockRegistry)
            assertThat(log).noneMatch(line -> line.contains("WARN")
                    && (line.contains("io.ironfence.") || line.contains(" i.i.")));
        } finally {
            demo.destroy();
            if (!demo.waitFor(30, TimeUnit.SECONDS)) {
                demo.destroyForcibly();
            }
        }
    }
}
