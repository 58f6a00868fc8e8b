package io.gregor.metrics;

/**
 * The broker-wide gauges, named as Kafka's JMX exporter setups export them. Register each once
 * per broker with {@link BrokerMetrics#gauge(BrokerGauge, java.util.function.Supplier)}; the
 * supplier is read at scrape time on a worker thread, so it must only read thread-safe state
 * (an immutable metadata image, volatile fields).
 *
 * <p>As in Kafka, the controller gauges are reported by every broker, with 0 on brokers that are
 * not the active controller, so {@code sum()} over the cluster gives the cluster's value.
 */
public enum BrokerGauge {
    PARTITION_COUNT("kafka.server.replicamanager.partitioncount",
        "Partitions with a replica on this broker"),
    LEADER_COUNT("kafka.server.replicamanager.leadercount",
        "Partitions this broker leads"),
    UNDER_REPLICATED_PARTITIONS("kafka.server.replicamanager.underreplicatedpartitions",
        "Partitions led by this broker whose ISR is smaller than their replica set"),
    UNDER_MIN_ISR_PARTITION_COUNT("kafka.server.replicamanager.underminisrpartitioncount",
        "Partitions led by this broker whose ISR is smaller than min.insync.replicas"),
    AT_MIN_ISR_PARTITION_COUNT("kafka.server.replicamanager.atminisrpartitioncount",
        "Partitions led by this broker whose ISR size equals min.insync.replicas"),
    OFFLINE_REPLICA_COUNT("kafka.server.replicamanager.offlinereplicacount",
        "Replicas on this broker in an offline log directory"),
    ACTIVE_CONTROLLER_COUNT("kafka.controller.kafkacontroller.activecontrollercount",
        "1 on the active controller, 0 elsewhere"),
    OFFLINE_PARTITIONS_COUNT("kafka.controller.kafkacontroller.offlinepartitionscount",
        "Partitions without a live leader (active controller only)"),
    GLOBAL_PARTITION_COUNT("kafka.controller.kafkacontroller.globalpartitioncount",
        "Partitions in the cluster (active controller only)"),
    GLOBAL_TOPIC_COUNT("kafka.controller.kafkacontroller.globaltopiccount",
        "Topics in the cluster (active controller only)"),
    PREFERRED_REPLICA_IMBALANCE_COUNT("kafka.controller.kafkacontroller.preferredreplicaimbalancecount",
        "Partitions whose leader is not their preferred replica (active controller only)"),
    BROKER_STATE("kafka.server.kafkaserver.brokerstate",
        "Kafka's BrokerState: 0 not running, 1 starting, 2 recovering from unclean shutdown, 3 running as broker, 6 pending controlled shutdown, 7 shutting down");

    private final String meterName;
    private final String description;

    BrokerGauge(String meterName, String description) {
        this.meterName = meterName;
        this.description = description;
    }

    /** The Micrometer name (dotted); Prometheus sees it with dots as underscores. */
    public String meterName() {
        return meterName;
    }

    public String description() {
        return description;
    }
}
