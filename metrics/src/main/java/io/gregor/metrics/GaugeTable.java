package io.gregor.metrics;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;

/**
 * A gauge family whose rows come and go (consumer group lag): refreshed as a whole before each
 * scrape; a row is registered the first time it is reported and removed when a refresh leaves
 * it out. Not thread-safe: callers refresh under one lock.
 */
final class GaugeTable {
    private final MeterRegistry registry;
    private final String name;
    private final String description;
    private final String[] tagKeys;
    private final Map<List<String>, Row> rows = new HashMap<>();
    private long generation;

    private static final class Row {
        volatile double value;
        long seen;
        Gauge gauge;
    }

    GaugeTable(MeterRegistry registry, String name, String description, String... tagKeys) {
        this.registry = registry;
        this.name = name;
        this.description = description;
        this.tagKeys = tagKeys;
    }

    void begin() {
        generation++;
    }

    /** Sets a row, tag values in the order of the tag keys; adds to the row if already set in this refresh. */
    void add(double value, String... tagValues) {
        List<String> key = List.of(tagValues);
        Row row = rows.get(key);
        if (row == null) {
            row = new Row();
            Tags tags = Tags.empty();
            for (int i = 0; i < tagKeys.length; i++)
                tags = tags.and(tagKeys[i], tagValues[i]);
            Row target = row;
            row.gauge = Gauge.builder(name, () -> target.value).tags(tags).description(description)
                .strongReference(true).register(registry);
            rows.put(key, row);
        }
        if (row.seen == generation) {
            row.value += value;
        } else {
            row.seen = generation;
            row.value = value;
        }
    }

    /** Removes the rows not set since {@link #begin()}. */
    void end() {
        List<List<String>> stale = new ArrayList<>();
        rows.forEach((key, row) -> {
            if (row.seen != generation) {
                registry.remove(row.gauge);
                stale.add(key);
            }
        });
        stale.forEach(rows::remove);
    }

    void clear() {
        rows.values().forEach(row -> registry.remove(row.gauge));
        rows.clear();
    }

    int size() {
        return rows.size();
    }
}
