package io.gregor.broker;

import java.util.ArrayList;
import java.util.List;
import java.util.function.IntSupplier;
import java.util.function.ToIntFunction;

import io.gregor.broker.metadata.BrokerEndpoint;
import io.gregor.broker.metadata.MetadataCache;
import io.gregor.broker.metadata.MetadataImage;
import io.gregor.broker.metadata.PartitionImage;
import io.gregor.broker.metadata.TopicImage;
import io.gregor.metrics.BrokerGauge;
import io.gregor.metrics.BrokerMetrics;
import io.gregor.metrics.Registration;

/**
 * Kafka's ReplicaManager and KafkaController gauges, computed from the metadata image at scrape
 * time (once per image: the image is immutable and replaced whole on every change).
 */
final class BrokerGauges {
    /** Kafka's BrokerState values. */
    static final int STARTING = 1, RUNNING = 3, PENDING_CONTROLLED_SHUTDOWN = 6, SHUTTING_DOWN = 7;

    private record Counts(int partitions, int leaders, int underReplicated, int underMinIsr, int atMinIsr,
                          int activeController, int offline, int globalPartitions, int globalTopics, int imbalance) {
    }

    private final MetadataCache cache;
    private final int brokerId;
    private final int defaultMinIsr;
    private MetadataImage countedImage;
    private Counts counts;

    private BrokerGauges(MetadataCache cache, int brokerId, int defaultMinIsr) {
        this.cache = cache;
        this.brokerId = brokerId;
        this.defaultMinIsr = defaultMinIsr;
    }

    static Registration register(BrokerMetrics metrics, MetadataCache cache, int brokerId, int defaultMinIsr,
                                 IntSupplier brokerState) {
        BrokerGauges gauges = new BrokerGauges(cache, brokerId, defaultMinIsr);
        List<Registration> all = new ArrayList<>();
        all.add(gauges.gauge(metrics, BrokerGauge.PARTITION_COUNT, Counts::partitions));
        all.add(gauges.gauge(metrics, BrokerGauge.LEADER_COUNT, Counts::leaders));
        all.add(gauges.gauge(metrics, BrokerGauge.UNDER_REPLICATED_PARTITIONS, Counts::underReplicated));
        all.add(gauges.gauge(metrics, BrokerGauge.UNDER_MIN_ISR_PARTITION_COUNT, Counts::underMinIsr));
        all.add(gauges.gauge(metrics, BrokerGauge.AT_MIN_ISR_PARTITION_COUNT, Counts::atMinIsr));
        all.add(gauges.gauge(metrics, BrokerGauge.ACTIVE_CONTROLLER_COUNT, Counts::activeController));
        all.add(gauges.gauge(metrics, BrokerGauge.OFFLINE_PARTITIONS_COUNT, Counts::offline));
        all.add(gauges.gauge(metrics, BrokerGauge.GLOBAL_PARTITION_COUNT, Counts::globalPartitions));
        all.add(gauges.gauge(metrics, BrokerGauge.GLOBAL_TOPIC_COUNT, Counts::globalTopics));
        all.add(gauges.gauge(metrics, BrokerGauge.PREFERRED_REPLICA_IMBALANCE_COUNT, Counts::imbalance));
        all.add(metrics.gauge(BrokerGauge.OFFLINE_REPLICA_COUNT, () -> 0)); // no offline log dirs tracked yet
        all.add(metrics.gauge(BrokerGauge.BROKER_STATE, brokerState::getAsInt));
        return () -> all.forEach(Registration::close);
    }

    private Registration gauge(BrokerMetrics metrics, BrokerGauge gauge, ToIntFunction<Counts> value) {
        return metrics.gauge(gauge, () -> value.applyAsInt(counts()));
    }

    private synchronized Counts counts() {
        MetadataImage image = cache.image();
        if (image != countedImage) {
            counts = count(image);
            countedImage = image;
        }
        return counts;
    }

    private Counts count(MetadataImage image) {
        int partitions = 0, leaders = 0, underReplicated = 0, underMinIsr = 0, atMinIsr = 0;
        int offline = 0, global = 0, imbalance = 0;
        List<Integer> live = image.brokers().stream().map(BrokerEndpoint::id).toList();
        for (TopicImage topic : image.topics().values()) {
            int minIsr = parse(topic.configs().get("min.insync.replicas"), defaultMinIsr);
            for (PartitionImage p : topic.partitions()) {
                global++;
                if (p.leader() < 0 || !live.contains(p.leader()))
                    offline++;
                if (!p.replicas().isEmpty() && p.leader() != p.replicas().get(0))
                    imbalance++;
                if (p.replicas().contains(brokerId))
                    partitions++;
                if (p.leader() == brokerId) {
                    leaders++;
                    if (p.isr().size() < p.replicas().size())
                        underReplicated++;
                    if (p.isr().size() < minIsr)
                        underMinIsr++;
                    else if (p.isr().size() == minIsr)
                        atMinIsr++;
                }
            }
        }
        boolean controller = image.controllerId() == brokerId;
        return controller
            ? new Counts(partitions, leaders, underReplicated, underMinIsr, atMinIsr, 1, offline, global,
                image.topics().size(), imbalance)
            : new Counts(partitions, leaders, underReplicated, underMinIsr, atMinIsr, 0, 0, 0, 0, 0);
    }

    private static int parse(String value, int otherwise) {
        try {
            return value == null ? otherwise : Integer.parseInt(value.trim());
        } catch (NumberFormatException e) {
            return otherwise;
        }
    }
}
