package io.gregor.broker.config;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.apache.kafka.common.config.ConfigException;

/**
 * One {@code NAME://host:port} endpoint, as in Kafka's {@code listeners}. The name is upper-cased
 * like Kafka's listener names; an IPv6 host is written in brackets and stored without them.
 *
 * @param host empty for all interfaces
 * @param port 0 for any free port
 */
public record Listener(String name, String host, int port) {

    private static final Pattern FORMAT = Pattern.compile("(\\w+)://(\\[[0-9A-Za-z:.%]+]|[^\\[\\]:/]*):(\\d{1,5})");

    /** True when the host names no single interface, so it cannot be given to clients as is. */
    public boolean wildcardHost() {
        return host.isEmpty() || host.equals("0.0.0.0") || host.equals("::");
    }

    /** The address to bind: all interfaces for an empty host. */
    public String bindHost() {
        return host.isEmpty() ? "0.0.0.0" : host;
    }

    @Override
    public String toString() {
        return name + "://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
    }

    static Listener parse(String key, String value) {
        Matcher m = FORMAT.matcher(value.trim());
        if (!m.matches())
            throw new ConfigException(key, value, "expected NAME://host:port");
        int port = Integer.parseInt(m.group(3));
        if (port > 65535)
            throw new ConfigException(key, value, "port must be between 0 and 65535");
        String host = m.group(2).startsWith("[") ? m.group(2).substring(1, m.group(2).length() - 1) : m.group(2);
        return new Listener(m.group(1).toUpperCase(Locale.ROOT), host, port);
    }

    /** Parses a comma-separated list; each listener name may appear once. */
    static List<Listener> parseList(String key, String value) {
        List<Listener> listeners = new ArrayList<>();
        for (String part : value.split(",")) {
            if (part.isBlank())
                continue;
            Listener listener = parse(key, part);
            if (listeners.stream().anyMatch(l -> l.name.equals(listener.name)))
                throw new ConfigException(key, value, "listener name " + listener.name + " appears twice");
            listeners.add(listener);
        }
        if (listeners.isEmpty())
            throw new ConfigException(key, value, "at least one listener is required");
        return List.copyOf(listeners);
    }
}
