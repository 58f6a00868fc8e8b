package io.gregor.storage.log;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The command line for a child JVM that runs a main class of the test classpath with the broker's JVM flags. */
final class ChildJvm {
    private static final List<String> FLAGS = List.of(
        "--add-opens", "java.base/java.lang.reflect=ALL-UNNAMED",
        "--add-opens", "java.base/java.nio=ALL-UNNAMED",
        "--add-exports", "java.base/sun.nio.ch=ALL-UNNAMED",
        "--add-exports", "java.base/jdk.internal.ref=ALL-UNNAMED",
        "-Dchronicle.analytics.disable=true", "-Ddisable.perf.info=true",
        "-Xmx256m");

    private ChildJvm() {
    }

    /** {@code jvmOptions} go before the main class (say an -XX:ErrorFile), {@code args} after it. */
    static List<String> command(List<String> jvmOptions, String mainClass, String... args) {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(FLAGS);
        command.addAll(jvmOptions);
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(mainClass);
        command.addAll(List.of(args));
        return command;
    }
}
