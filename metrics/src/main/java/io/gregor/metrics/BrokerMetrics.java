package io.gregor.metrics;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmCompilationMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmHeapPressureMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmInfoMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;

/**
 * The meters of one broker, in one {@link PrometheusMeterRegistry} that the broker's Vert.x
 * instance also reports to ({@link GregorMetricsOptions}). Names follow what the common Kafka JMX
 * exporter setups produce, so dashboards made for Kafka work (full list: metrics/README.md).
 *
 * <p>Hot-path handles ({@link #topic(String)}, {@link #request(String)}) are created on first use
 * and cached; looking one up is a {@link ConcurrentHashMap#get} (no lock, no allocation), and
 * updating one is a lock-free add. Cache them where you can (on the partition, per API key).
 *
 * <p>Cardinality is bounded by design: labels are topics and partitions that exist on this
 * broker, Kafka API names, Kafka error names, consumer groups; never client ids or addresses.
 * Only call {@link #topic(String)} for topics that exist, and {@link #removeTopic(String)} when
 * one is deleted.
 */
public final class BrokerMetrics implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(BrokerMetrics.class);

    public static final String ISR_SHRINKS = "kafka.server.replicamanager.isrshrinks";
    public static final String ISR_EXPANDS = "kafka.server.replicamanager.isrexpands";
    public static final String UNCLEAN_LEADER_ELECTIONS = "kafka.controller.controllerstats.uncleanleaderelections";

    public static final String LOG_SIZE = "kafka.log.log.size";
    public static final String LOG_START_OFFSET = "kafka.log.log.logstartoffset";
    public static final String LOG_END_OFFSET = "kafka.log.log.logendoffset";
    public static final String LOG_SEGMENTS = "kafka.log.log.numlogsegments";
    public static final String PARTITION_TAG = "partition";

    public static final String CONSUMER_GROUP_LAG = "kafka.consumergroup.lag";
    public static final String CONSUMER_GROUP_LAG_SUM = "kafka.consumergroup.lag.sum";
    public static final String CONSUMER_GROUP_CURRENT_OFFSET = "kafka.consumergroup.current.offset";
    public static final String CONSUMER_GROUP_MEMBERS = "kafka.consumergroup.members";
    public static final String GROUP_TAG = "consumergroup";

    private final PrometheusMeterRegistry registry;
    private final List<MeterBinder> binders = new ArrayList<>();
    private final TopicMetrics allTopics;
    private final ConcurrentHashMap<String, TopicMetrics> topics = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, RequestMetrics> requests = new ConcurrentHashMap<>();
    private final Counter isrShrinks;
    private final Counter isrExpands;
    private final Counter uncleanLeaderElections;

    private final Object refreshLock = new Object();
    private volatile ConsumerLagSource lagSource;
    private final GaugeTable lag;
    private final GaugeTable lagSum;
    private final GaugeTable currentOffset;
    private final GaugeTable members;
    private boolean lagFailureLogged;

    /** A new registry with the JVM and process meters bound. */
    public static BrokerMetrics create() {
        return new BrokerMetrics(new PrometheusMeterRegistry(PrometheusConfig.DEFAULT), true);
    }

    /**
     * @param jvmMeters bind the JVM and process meters (memory, GC, threads, class loading, JIT,
     *                  heap pressure, CPU, uptime, file descriptors); they are unbound on {@link #close()}
     */
    public BrokerMetrics(PrometheusMeterRegistry registry, boolean jvmMeters) {
        this.registry = Objects.requireNonNull(registry);
        // Prometheus drops a meter whose tag keys differ from an earlier one of the same name,
        // silently unless told: say so, it is a programming error.
        registry.config().onMeterRegistrationFailed((id, reason) ->
            log.warn("Meter {} {} not exported: {}", id.getName(), id.getTags(), reason));
        allTopics = new TopicMetrics(registry, TopicMetrics.ALL_TOPICS, null);
        isrShrinks = Counter.builder(ISR_SHRINKS).description("Times a partition's ISR shrank").register(registry);
        isrExpands = Counter.builder(ISR_EXPANDS).description("Times a partition's ISR expanded").register(registry);
        uncleanLeaderElections = Counter.builder(UNCLEAN_LEADER_ELECTIONS)
            .description("Leaders elected from outside the ISR").register(registry);
        lag = new GaugeTable(registry, CONSUMER_GROUP_LAG,
            "Log end offset minus the group's committed offset", GROUP_TAG, TopicMetrics.TOPIC_TAG, PARTITION_TAG);
        currentOffset = new GaugeTable(registry, CONSUMER_GROUP_CURRENT_OFFSET,
            "The group's committed offset", GROUP_TAG, TopicMetrics.TOPIC_TAG, PARTITION_TAG);
        lagSum = new GaugeTable(registry, CONSUMER_GROUP_LAG_SUM,
            "The group's lag summed over the topic's partitions", GROUP_TAG, TopicMetrics.TOPIC_TAG);
        members = new GaugeTable(registry, CONSUMER_GROUP_MEMBERS, "Members of the group", GROUP_TAG);
        if (jvmMeters) {
            binders.addAll(List.of(new ClassLoaderMetrics(), new JvmMemoryMetrics(), new JvmGcMetrics(),
                new JvmThreadMetrics(), new JvmInfoMetrics(), new JvmCompilationMetrics(), new JvmHeapPressureMetrics(),
                new ProcessorMetrics(), new UptimeMetrics(), new FileDescriptorMetrics()));
            binders.forEach(binder -> binder.bindTo(registry));
        }
    }

    public PrometheusMeterRegistry registry() {
        return registry;
    }

    // ---------------------------------------------------------------- hot-path handles

    /** The meters of an existing topic (created on first use); updates also go to the aggregate. */
    public TopicMetrics topic(String topic) {
        TopicMetrics metrics = topics.get(topic);
        return metrics != null ? metrics : topics.computeIfAbsent(topic, t -> new TopicMetrics(registry, t, allTopics));
    }

    /** The all-topics aggregate ({@code topic=""}). */
    public TopicMetrics allTopics() {
        return allTopics;
    }

    /** Removes a deleted topic's meters; handles still held keep working but are no longer exported. */
    public void removeTopic(String topic) {
        TopicMetrics removed = topics.remove(topic);
        if (removed != null)
            removed.meters().forEach(registry::remove);
    }

    /**
     * The meters of a request type: Kafka's {@code ApiKeys.name} ("Produce", "Fetch", ...) or
     * {@link RequestMetrics#FETCH_CONSUMER} / {@link RequestMetrics#FETCH_FOLLOWER}.
     */
    public RequestMetrics request(String name) {
        RequestMetrics metrics = requests.get(name);
        return metrics != null ? metrics : requests.computeIfAbsent(name, n -> new RequestMetrics(registry, n));
    }

    public Counter isrShrinks() {
        return isrShrinks;
    }

    public Counter isrExpands() {
        return isrExpands;
    }

    public Counter uncleanLeaderElections() {
        return uncleanLeaderElections;
    }

    // ---------------------------------------------------------------- gauges read at scrape time

    /** Registers a broker gauge (replacing an earlier registration of it). */
    public Registration gauge(BrokerGauge gauge, Supplier<Number> value) {
        return registerGauge(gauge.meterName(), gauge.description(), Tags.empty(), value);
    }

    /**
     * Registers any gauge, read at scrape time from a worker thread; an earlier gauge of the same
     * name and tags is replaced. Prometheus requires every gauge of one name to have the same tag keys.
     */
    public Registration registerGauge(String name, Iterable<Tag> tags, Supplier<Number> value) {
        return registerGauge(name, null, tags, value);
    }

    private Registration registerGauge(String name, String description, Iterable<Tag> tags, Supplier<Number> value) {
        Objects.requireNonNull(value);
        Gauge existing = registry.find(name).tags(tags).gauge();
        if (existing != null && Tags.of(existing.getId().getTags()).equals(Tags.of(tags)))
            registry.remove(existing);
        Gauge gauge = Gauge.builder(name, value).tags(tags).description(description).strongReference(true)
            .register(registry);
        return () -> registry.remove(gauge);
    }

    /**
     * The {@code kafka.log:type=Log} gauges of a partition hosted here: size, log start and end
     * offsets, segment count, tagged topic and partition. Close the registration when the
     * partition leaves the broker.
     */
    public Registration registerLog(String topic, int partition, PartitionLogView view) {
        Tags tags = Tags.of(TopicMetrics.TOPIC_TAG, topic, PARTITION_TAG, Integer.toString(partition));
        List<Registration> registrations = List.of(
            registerGauge(LOG_SIZE, "Bytes in the partition's segments", tags, view::size),
            registerGauge(LOG_START_OFFSET, "First offset in the partition's log", tags, view::logStartOffset),
            registerGauge(LOG_END_OFFSET, "Offset the next append gets", tags, view::logEndOffset),
            registerGauge(LOG_SEGMENTS, "Segments in the partition's log", tags, view::numberOfSegments));
        return () -> registrations.forEach(Registration::close);
    }

    /** Where the consumer group gauges come from (the group coordinator); null removes them. */
    public void consumerLagSource(ConsumerLagSource source) {
        synchronized (refreshLock) {
            lagSource = source;
            if (source == null) {
                lag.clear();
                lagSum.clear();
                currentOffset.clear();
                members.clear();
            }
        }
    }

    // ---------------------------------------------------------------- output

    /** The Prometheus text exposition (format 0.0.4) of every meter, after refreshing the consumer gauges. */
    public String scrape() {
        refreshConsumerGroups();
        return registry.scrape();
    }

    private void refreshConsumerGroups() {
        synchronized (refreshLock) {
            ConsumerLagSource source = lagSource;
            if (source == null)
                return;
            lag.begin();
            lagSum.begin();
            currentOffset.begin();
            members.begin();
            try {
                source.collect(new ConsumerLagSource.Sink() {
                    @Override
                    public void partition(String group, String topic, int partition, long committedOffset, long endOffset) {
                        long behind = Math.max(0, endOffset - committedOffset);
                        String p = Integer.toString(partition);
                        lag.add(behind, group, topic, p);
                        currentOffset.add(committedOffset, group, topic, p);
                        lagSum.add(behind, group, topic);
                    }

                    @Override
                    public void members(String group, int count) {
                        members.add(count, group);
                    }
                });
            } catch (RuntimeException e) {
                // Keep the last rows rather than dropping every group's lag on a transient failure.
                if (!lagFailureLogged)
                    log.warn("Cannot collect consumer group lag: {}", e.toString(), e);
                lagFailureLogged = true;
                return;
            }
            lagFailureLogged = false;
            lag.end();
            lagSum.end();
            currentOffset.end();
            members.end();
        }
    }

    /** Unbinds the JVM meters and closes the registry. */
    @Override
    public void close() {
        for (MeterBinder binder : binders) {
            if (binder instanceof AutoCloseable closeable) {
                try {
                    closeable.close();
                } catch (Exception e) {
                    log.debug("Closing {} failed: {}", binder.getClass().getSimpleName(), e.toString());
                }
            }
        }
        registry.close();
    }

    List<Meter> topicMeters(String topic) {
        TopicMetrics metrics = topics.get(topic);
        return metrics == null ? List.of() : metrics.meters();
    }
}
