package io.gregor.broker.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.apache.kafka.common.config.ConfigException;
import org.junit.jupiter.api.Test;

/**
 * The deployment files configure brokers only through GREGOR_* variables: each one must name a
 * real config key (a typo would only be logged as an unknown key, and the setting silently
 * missed), and each value must be one the broker accepts.
 */
class ComposeEnvTest {
    private static final Path ROOT = Path.of("..");
    private static final List<Path> FILES = List.of(
        ROOT.resolve("docker/docker-compose.yml"),
        ROOT.resolve("docker/Dockerfile"),
        ROOT.resolve("docker/entrypoint.sh"),
        ROOT.resolve("docker/healthcheck.sh"),
        ROOT.resolve("conf/gregor.service"));
    private static final Pattern VARIABLE = Pattern.compile("\\b(GREGOR_[A-Z0-9_]+)");
    /** NAME: value (compose) or NAME=value (Dockerfile ENV, systemd Environment), on a non-comment line. */
    private static final Pattern ASSIGNMENT = Pattern.compile("(?<!\\{)\\b(GREGOR_[A-Z0-9_]+)\\s*[:=]\\s*\"?([^\"\\s\\\\]+)\"?");
    /** A shell default: ${NAME:-value}. */
    private static final Pattern SHELL_DEFAULT = Pattern.compile("\\$\\{(GREGOR_[A-Z0-9_]+):-([^}]+)}");

    private static Set<String> envNames() {
        Set<String> names = new HashSet<>();
        for (String key : BrokerConfigKeys.DEFINITION.names())
            names.add(BrokerConfig.envName(key));
        return names;
    }

    @Test
    void everyGregorVariableNamesAConfigKey() throws IOException {
        Set<String> known = envNames();
        Set<String> unknown = new TreeSet<>();
        int seen = 0;
        for (Path file : FILES) {
            Matcher m = VARIABLE.matcher(Files.readString(file));
            while (m.find()) {
                seen++;
                if (!known.contains(m.group(1)))
                    unknown.add(file.getFileName() + ": " + m.group(1));
            }
        }
        assertTrue(seen > 20, "found only " + seen + " GREGOR_* variables");
        assertEquals(Set.of(), unknown, "GREGOR_* variables that match no key of BrokerConfigKeys");
    }

    @Test
    void everyValueIsAccepted() throws IOException {
        List<String> assignments = new ArrayList<>();
        for (Path file : FILES) {
            for (String line : Files.readAllLines(file)) {
                if (line.trim().startsWith("#"))
                    continue;
                for (Matcher m : List.of(ASSIGNMENT.matcher(line), SHELL_DEFAULT.matcher(line))) {
                    while (m.find()) {
                        assignments.add(m.group(1) + "=" + m.group(2));
                        try {
                            BrokerConfig.load(null, Map.of(m.group(1), m.group(2)));
                        } catch (ConfigException e) {
                            throw new AssertionError(file.getFileName() + ": " + m.group(1) + "=" + m.group(2)
                                + " is refused: " + e.getMessage(), e);
                        }
                    }
                }
            }
        }
        assertTrue(assignments.size() > 20, "found " + assignments);
        assertTrue(assignments.contains("GREGOR_ZOOKEEPER_CONNECT=zk1:2181,zk2:2181,zk3:2181/gregor"), assignments.toString());
    }
}
