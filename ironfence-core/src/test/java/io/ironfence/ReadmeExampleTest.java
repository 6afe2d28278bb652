package io.ironfence;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/** The core example in the repository's README: the same text, compiled and run here. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ReadmeExampleTest {

    private static final String SOURCE = "src/test/java/io/ironfence/ReadmeExampleTest.java";

    private Mutex<Map<String, String>> mutex;
    private RWLock<List<String>> readWrite;

    @SuppressWarnings("try")
    private void example() {
        // README:BEGIN
        Mutex<Map<String, String>> mu = new Mutex<>(new HashMap<>());
        try (MutexGuard<Map<String, String>> g = mu.lock()) {      // blocks (parks), virtual-thread friendly
            g.get().put("key", "example");
        }
        mu.lockAsync().thenAccept(g -> { try (g) { g.get().put("k", "v"); } });   // never blocks a thread

        RWLock<List<String>> rw = new RWLock<>(new ArrayList<>());
        try (ReadGuard<List<String>> r = rw.read()) { System.out.println(r.get()); }
        try (WriteGuard<List<String>> w = rw.write()) { w.get().add("example"); }
        // README:END
        mutex = mu;
        readWrite = rw;
    }

    @Test
    void theReadmeShowsThisExample() throws Exception {
        String source = Files.readString(Path.of(SOURCE));
        String marked = source.substring(source.indexOf("// README:BEGIN\n") + "// README:BEGIN\n".length(),
                source.indexOf("        // README:END"));
        String example = marked.lines().map(line -> line.startsWith("        ") ? line.substring(8) : line.strip())
                .collect(Collectors.joining("\n", "", "\n"));
        assertThat(Files.readString(Path.of("..", "README.md"))).contains("```java\n" + example + "```");
    }

    @Test
    void theExampleRuns() {
        example();
        try (MutexGuard<Map<String, String>> g = mutex.lock()) {
            assertThat(g.get()).containsEntry("key", "example").containsEntry("k", "v");
        }
        try (ReadGuard<List<String>> r = readWrite.read()) {
            assertThat(r.get()).containsExactly("example");
        }
        assertThat(mutex.isLocked()).isFalse();
        assertThat(readWrite.isWriteLocked()).isFalse();
    }
}
