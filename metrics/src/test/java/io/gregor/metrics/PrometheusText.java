package io.gregor.metrics;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * A strict parser of Prometheus's text exposition format 0.0.4, written from the format's
 * specification, for tests: it rejects what a Prometheus server would reject or silently
 * misread, and checks the family-level rules (one TYPE before the samples, contiguous families,
 * unique series, histogram buckets cumulative with a +Inf bucket equal to _count, summary
 * quantiles within [0, 1]).
 */
final class PrometheusText {
    private static final Pattern METRIC_NAME = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");
    private static final Pattern LABEL_NAME = Pattern.compile("[a-zA-Z_][a-zA-Z0-9_]*");
    private static final Set<String> TYPES = Set.of("counter", "gauge", "histogram", "summary", "untyped");

    record Sample(String name, Map<String, String> labels, double value) {
    }

    static final class Family {
        final String name;
        String type = "untyped";
        String help;
        boolean typed;
        final List<Sample> samples = new ArrayList<>();

        Family(String name) {
            this.name = name;
        }
    }

    final Map<String, Family> families = new LinkedHashMap<>();

    static PrometheusText parse(String page) {
        PrometheusText text = new PrometheusText();
        text.read(page);
        return text;
    }

    /** The value of the one series with exactly these labels, or null. */
    Double value(String name, Map<String, String> labels) {
        for (Family family : families.values())
            for (Sample s : family.samples)
                if (s.name.equals(name) && s.labels.equals(labels))
                    return s.value;
        return null;
    }

    Double value(String name, String... labels) {
        Map<String, String> map = new TreeMap<>();
        for (int i = 0; i < labels.length; i += 2)
            map.put(labels[i], labels[i + 1]);
        return value(name, map);
    }

    List<Sample> samples(String name) {
        List<Sample> found = new ArrayList<>();
        families.values().forEach(f -> f.samples.stream().filter(s -> s.name.equals(name)).forEach(found::add));
        return found;
    }

    /** Every sample name (family name plus _bucket/_sum/_count as they appear). */
    Set<String> sampleNames() {
        Set<String> names = new java.util.TreeSet<>();
        families.values().forEach(f -> f.samples.forEach(s -> names.add(s.name)));
        return names;
    }

    private void read(String page) {
        if (!page.isEmpty() && !page.endsWith("\n"))
            throw new IllegalArgumentException("the page must end with a line feed");
        Family current = null;
        Set<String> closed = new java.util.HashSet<>();
        Set<String> series = new java.util.HashSet<>();
        int lineNo = 0;
        for (String line : page.split("\n", -1)) {
            lineNo++;
            if (line.isEmpty())
                continue;
            String where = "line " + lineNo + ": " + line;
            if (line.startsWith("#")) {
                String[] parts = line.split("[ \t]+", 4);
                if (parts.length >= 3 && (parts[1].equals("HELP") || parts[1].equals("TYPE"))) {
                    String name = parts[2];
                    check(METRIC_NAME.matcher(name).matches(), "bad metric name", where);
                    check(!closed.contains(name) || current != null && current.name.equals(name),
                        "family appears twice", where);
                    Family family = families.get(name);
                    if (family == null) {
                        family = new Family(name);
                        families.put(name, family);
                    }
                    if (current != null && current != family)
                        closed.add(current.name);
                    current = family;
                    if (parts[1].equals("TYPE")) {
                        check(parts.length == 4 && TYPES.contains(parts[3]), "unknown type", where);
                        check(family.samples.isEmpty(), "TYPE after samples", where);
                        check(!family.typed, "second TYPE", where);
                        family.type = parts[3];
                        family.typed = true;
                    } else {
                        check(family.help == null, "second HELP", where);
                        family.help = parts.length == 4 ? unescapeHelp(parts[3], where) : "";
                    }
                }
                continue;
            }
            Sample sample = parseSample(line, where);
            Family family = familyOf(sample.name, current);
            if (family == null) {
                family = new Family(sample.name);
                families.put(sample.name, family);
            }
            if (current != family) {
                check(!closed.contains(family.name), "family samples not contiguous", where);
                if (current != null)
                    closed.add(current.name);
                current = family;
            }
            check(series.add(sample.name + sample.labels), "duplicate series", where);
            family.samples.add(sample);
        }
        families.values().forEach(PrometheusText::checkFamily);
    }

    /** The family a sample belongs to: itself, or a histogram/summary whose suffix it carries. */
    private Family familyOf(String sampleName, Family current) {
        if (current != null && belongs(current, sampleName))
            return current;
        Family exact = families.get(sampleName);
        if (exact != null)
            return exact;
        for (String suffix : List.of("_bucket", "_sum", "_count")) {
            if (sampleName.endsWith(suffix)) {
                Family f = families.get(sampleName.substring(0, sampleName.length() - suffix.length()));
                if (f != null && (f.type.equals("histogram") || f.type.equals("summary")))
                    return f;
            }
        }
        return null;
    }

    private static boolean belongs(Family family, String sampleName) {
        if (family.name.equals(sampleName))
            return !family.type.equals("histogram");
        return switch (family.type) {
            case "histogram" -> sampleName.equals(family.name + "_bucket") || sampleName.equals(family.name + "_sum")
                || sampleName.equals(family.name + "_count");
            case "summary" -> sampleName.equals(family.name + "_sum") || sampleName.equals(family.name + "_count");
            default -> false;
        };
    }

    private static void checkFamily(Family family) {
        String where = "family " + family.name;
        check(!family.samples.isEmpty(), "a family without samples", where);
        switch (family.type) {
            case "counter" -> family.samples.forEach(s -> check(s.value >= 0 || Double.isNaN(s.value),
                "negative counter", where));
            case "summary" -> family.samples.stream().filter(s -> s.name.equals(family.name)).forEach(s -> {
                String q = s.labels.get("quantile");
                check(q != null, "summary sample without quantile", where);
                double quantile = Double.parseDouble(q);
                check(quantile >= 0 && quantile <= 1, "quantile out of range", where);
            });
            case "histogram" -> checkHistogram(family);
            default -> {
            }
        }
    }

    private static void checkHistogram(Family family) {
        String where = "histogram " + family.name;
        Map<Map<String, String>, List<Sample>> buckets = new LinkedHashMap<>();
        Map<Map<String, String>, Double> counts = new LinkedHashMap<>();
        for (Sample s : family.samples) {
            if (s.name.endsWith("_bucket")) {
                check(s.labels.containsKey("le"), "bucket without le", where);
                Map<String, String> rest = new TreeMap<>(s.labels);
                rest.remove("le");
                buckets.computeIfAbsent(rest, k -> new ArrayList<>()).add(s);
            } else if (s.name.endsWith("_count")) {
                counts.put(s.labels, s.value);
            }
        }
        check(!buckets.isEmpty(), "histogram without buckets", where);
        buckets.forEach((labels, list) -> {
            double previousLe = Double.NEGATIVE_INFINITY;
            double previous = 0;
            for (Sample b : list) {
                double le = parseValue(b.labels.get("le"), where);
                check(le > previousLe, "buckets not in increasing le order", where);
                check(b.value >= previous, "buckets not cumulative", where);
                previousLe = le;
                previous = b.value;
            }
            check(previousLe == Double.POSITIVE_INFINITY, "no +Inf bucket", where);
            check(counts.containsKey(labels) && counts.get(labels) == previous, "_count differs from the +Inf bucket", where);
        });
    }

    private static Sample parseSample(String line, String where) {
        int i = 0;
        while (i < line.length() && line.charAt(i) != '{' && line.charAt(i) != ' ' && line.charAt(i) != '\t')
            i++;
        String name = line.substring(0, i);
        check(METRIC_NAME.matcher(name).matches(), "bad metric name", where);
        Map<String, String> labels = new TreeMap<>();
        if (i < line.length() && line.charAt(i) == '{') {
            i++;
            while (true) {
                if (line.charAt(i) == '}') {
                    i++;
                    break;
                }
                int eq = line.indexOf('=', i);
                check(eq > 0, "label without =", where);
                String label = line.substring(i, eq).trim();
                check(LABEL_NAME.matcher(label).matches() && !label.startsWith("__"), "bad label name", where);
                i = eq + 1;
                check(line.charAt(i) == '"', "unquoted label value", where);
                StringBuilder value = new StringBuilder();
                i++;
                while (true) {
                    check(i < line.length(), "unterminated label value", where);
                    char c = line.charAt(i++);
                    if (c == '"')
                        break;
                    if (c == '\\') {
                        char e = line.charAt(i++);
                        check(e == '\\' || e == '"' || e == 'n', "bad escape in label value", where);
                        value.append(e == 'n' ? '\n' : e);
                    } else {
                        value.append(c);
                    }
                }
                check(labels.put(label, value.toString()) == null, "label appears twice", where);
                if (line.charAt(i) == ',')
                    i++;
                else
                    check(line.charAt(i) == '}', "expected , or }", where);
            }
        }
        String[] rest = line.substring(i).trim().split("[ \t]+");
        check(rest.length == 1 || rest.length == 2, "expected value [timestamp]", where);
        double value = parseValue(rest[0], where);
        if (rest.length == 2)
            check(rest[1].matches("-?\\d+"), "bad timestamp", where);
        return new Sample(name, labels, value);
    }

    private static double parseValue(String text, String where) {
        switch (text) {
            case "NaN":
                return Double.NaN;
            case "+Inf":
                return Double.POSITIVE_INFINITY;
            case "-Inf":
                return Double.NEGATIVE_INFINITY;
            default:
                check(text.matches("[-+]?(\\d+\\.?\\d*|\\.\\d+)([eE][-+]?\\d+)?"), "bad value '" + text + "'", where);
                return Double.parseDouble(text);
        }
    }

    private static String unescapeHelp(String text, String where) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '\\') {
                check(i + 1 < text.length(), "dangling escape in HELP", where);
                char e = text.charAt(++i);
                check(e == '\\' || e == 'n', "bad escape in HELP", where);
                out.append(e == 'n' ? '\n' : e);
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }

    private static void check(boolean ok, String what, String where) {
        if (!ok)
            throw new IllegalArgumentException(what + " (" + where + ")");
    }
}
