package io.ironfence.modules;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import javax.tools.ToolProvider;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A program on the module path can use the packaged core: {@code requires io.ironfence;} compiles
 * and runs against the jar (its {@code Automatic-Module-Name}). Runs after {@code package} (failsafe).
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ModulePathIT {

    @Test
    void aModularProgramRequiresIronFenceByItsModuleName(@TempDir Path dir) throws Exception {
        Path jar;
        try (Stream<Path> files = Files.list(Path.of("target"))) {
            jar = files.filter(path -> path.getFileName().toString().matches("ironfence-core-[^-]+(-SNAPSHOT)?\\.jar"))
                    .findFirst().orElseThrow();
        }
        Path source = dir.resolve("src");
        Files.createDirectories(source.resolve("example/app"));
        Files.writeString(source.resolve("module-info.java"), "module example.app { requires io.ironfence; }");
        Files.writeString(source.resolve("example/app/Main.java"), """
                package example.app;

                import io.ironfence.Mutex;
                import io.ironfence.MutexGuard;
                import io.ironfence.RWLock;
                import io.ironfence.ReadGuard;

                public class Main {
                    public static void main(String[] args) {
                        Mutex<StringBuilder> mutex = new Mutex<>(new StringBuilder("mutex"));
                        try (MutexGuard<StringBuilder> guard = mutex.lock()) {
                            guard.get().append(" ok");
                        }
                        RWLock<String> rw = new RWLock<>("rwlock ok");
                        try (ReadGuard<String> read = rw.read(); MutexGuard<StringBuilder> guard = mutex.lockAsync().join()) {
                            System.out.println(guard.get() + ", " + read.get());
                        }
                    }
                }
                """);
        Path classes = dir.resolve("classes");
        ByteArrayOutputStream diagnostics = new ByteArrayOutputStream();
        int compiled = ToolProvider.getSystemJavaCompiler().run(null, diagnostics, diagnostics,
                "--module-path", jar.toString(), "-d", classes.toString(),
                source.resolve("module-info.java").toString(), source.resolve("example/app/Main.java").toString());
        assertThat(compiled).as(diagnostics.toString(StandardCharsets.UTF_8)).isZero();

        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process program = new ProcessBuilder(java, "--module-path", classes + File.pathSeparator + jar,
                "--module", "example.app/example.app.Main").redirectErrorStream(true).start();
        String output = new String(program.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(program.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(program.exitValue()).as(output).isZero();
        assertThat(output).contains("mutex ok, rwlock ok");
    }
}
