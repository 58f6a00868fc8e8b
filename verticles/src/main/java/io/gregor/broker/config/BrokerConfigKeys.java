package io.gregor.broker.config;

import static org.apache.kafka.common.config.ConfigDef.Importance.HIGH;
import static org.apache.kafka.common.config.ConfigDef.Importance.LOW;
import static org.apache.kafka.common.config.ConfigDef.Importance.MEDIUM;
import static org.apache.kafka.common.config.ConfigDef.Range.atLeast;
import static org.apache.kafka.common.config.ConfigDef.Range.between;
import static org.apache.kafka.common.config.ConfigDef.Type.BOOLEAN;
import static org.apache.kafka.common.config.ConfigDef.Type.INT;
import static org.apache.kafka.common.config.ConfigDef.Type.LIST;
import static org.apache.kafka.common.config.ConfigDef.Type.LONG;
import static org.apache.kafka.common.config.ConfigDef.Type.SHORT;
import static org.apache.kafka.common.config.ConfigDef.Type.STRING;

import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.ValidList;
import org.apache.kafka.common.config.ConfigDef.ValidString;
import org.apache.kafka.common.config.ConfigDef.Validator;

/**
 * Every broker key Gregor knows, with Apache Kafka 3.9's type, default and valid range, so a
 * Kafka {@code server.properties} means the same thing here. Departures from Kafka are the
 * Gregor-specific keys at the end, {@code log.dir} (under {@code data/} in the working directory
 * instead of {@code /tmp}), and a few ranges Kafka leaves open that the storage cannot honour.
 * Keys a Kafka broker would read but Gregor ignores are not listed, so they are warned about.
 */
final class BrokerConfigKeys {

    private BrokerConfigKeys() {
    }

    /** The key definitions; {@link ConfigDef#parse} turns supplied strings into typed, validated values. */
    static final ConfigDef DEFINITION = new ConfigDef()
        // Server basics
        .define("broker.id", INT, -1, atLeast(-1), HIGH,
            "This broker's id, unique in the cluster; -1 means not set.")
        .define("listeners", STRING, "PLAINTEXT://:9092", HIGH,
            "Comma-separated NAME://host:port the broker binds; empty host = all interfaces, port 0 = any free port.")
        .define("advertised.listeners", STRING, null, HIGH,
            "NAME://host:port published to clients if different from listeners; default: listeners.")
        .define("listener.security.protocol.map", STRING,
            "SASL_SSL:SASL_SSL,PLAINTEXT:PLAINTEXT,SSL:SSL,SASL_PLAINTEXT:SASL_PLAINTEXT", LOW,
            "Listener name to security protocol; Gregor serves PLAINTEXT listeners only.")

        // Socket server
        .define("num.network.threads", INT, 3, atLeast(1), HIGH,
            "Network verticle instances: connections, framing, request decoding.")
        .define("num.io.threads", INT, 8, atLeast(1), HIGH,
            "Partition log shards; each partition is owned by exactly one.")
        .define("socket.send.buffer.bytes", INT, 102400, HIGH,
            "SO_SNDBUF of client sockets; -1 = the OS default.")
        .define("socket.receive.buffer.bytes", INT, 102400, HIGH,
            "SO_RCVBUF of client sockets; -1 = the OS default.")
        .define("socket.request.max.bytes", INT, 104857600, atLeast(1), HIGH,
            "Largest request frame accepted; a bigger one closes the connection.")
        .define("queued.max.requests", INT, 500, atLeast(1), HIGH,
            "Requests in flight per network thread before it stops reading sockets.")
        .define("connections.max.idle.ms", LONG, 600000L, MEDIUM,
            "Idle client connections are closed after this long.")
        .define("request.timeout.ms", INT, 30000, atLeast(0), MEDIUM,
            "Upper bound on the broker's own requests to other brokers.")

        // Log basics
        .define("log.dir", STRING, "data/kafka-logs", HIGH,
            "The log directory, used when log.dirs is not set; relative to the working directory.")
        .define("log.dirs", STRING, null, HIGH,
            "Comma-separated log directories; overrides log.dir.")
        .define("num.partitions", INT, 1, atLeast(1), MEDIUM,
            "Partitions of an automatically created topic.")
        .define("default.replication.factor", INT, 1, atLeast(1), MEDIUM,
            "Replication factor of an automatically created topic.")
        .define("auto.create.topics.enable", BOOLEAN, true, HIGH,
            "Create a topic on first metadata request or produce to it.")
        .define("delete.topic.enable", BOOLEAN, true, HIGH,
            "Allow deleting topics; otherwise DeleteTopics is refused.")
        .define("message.max.bytes", INT, 1048588, atLeast(0), HIGH,
            "Largest record batch accepted, after compression; topic-level max.message.bytes.")
        .define("num.recovery.threads.per.data.dir", INT, 1, atLeast(1), HIGH,
            "Threads per log directory recovering logs at startup and flushing them at shutdown.")
        .define("log.segment.bytes", INT, 1073741824, atLeast(14), HIGH,
            "Segment size; a segment rolls before it would exceed this.")
        .define("log.roll.ms", LONG, null, nullOr(atLeast(1)), HIGH,
            "Roll a segment after this age even if not full; overrides log.roll.hours.")
        .define("log.roll.hours", INT, 168, atLeast(1), HIGH,
            "Roll a segment after this many hours even if not full.")
        .define("log.roll.jitter.ms", LONG, null, nullOr(atLeast(0)), HIGH,
            "Random delay subtracted from the roll time so segments do not roll together; overrides hours.")
        .define("log.roll.jitter.hours", INT, 0, atLeast(0), HIGH,
            "Random delay subtracted from the roll time, in hours.")
        // Kafka accepts 4, but a time index needs room for two 12-byte entries.
        .define("log.index.size.max.bytes", INT, 10485760, atLeast(24), MEDIUM,
            "Preallocated size of each offset and time index.")
        .define("log.index.interval.bytes", INT, 4096, atLeast(0), MEDIUM,
            "Log bytes between two index entries.")
        .define("log.segment.delete.delay.ms", LONG, 60000L, atLeast(0), HIGH,
            "Delay between marking a segment deleted and removing its files.")
        .define("log.message.timestamp.type", STRING, "CreateTime", ValidString.in("CreateTime", "LogAppendTime"),
            MEDIUM, "Whether the stored timestamp is the producer's or the broker's append time.")
        .define("log.cleanup.policy", LIST, "delete", ValidList.in("compact", "delete"), MEDIUM,
            "Default cleanup policy: delete old segments, compact by key, or both.")

        // Log flush policy
        .define("log.flush.interval.messages", LONG, Long.MAX_VALUE, atLeast(1), HIGH,
            "Fsync a partition after this many appended messages.")
        .define("log.flush.interval.ms", LONG, null, nullOr(atLeast(0)), HIGH,
            "Fsync a partition after this long; default: log.flush.scheduler.interval.ms.")
        // Kafka leaves it open, but a schedule period must be positive.
        .define("log.flush.scheduler.interval.ms", LONG, Long.MAX_VALUE, atLeast(1), HIGH,
            "How often the flusher checks whether a partition is due a flush.")
        .define("log.flush.offset.checkpoint.interval.ms", INT, 60000, atLeast(0), HIGH,
            "How often the recovery-point checkpoint is written.")
        .define("log.flush.start.offset.checkpoint.interval.ms", INT, 60000, atLeast(0), HIGH,
            "How often the log-start-offset checkpoint is written.")

        // Log retention policy
        .define("log.retention.ms", LONG, null, HIGH,
            "Keep a segment this long after its last record; overrides minutes and hours; -1 = forever.")
        .define("log.retention.minutes", INT, null, HIGH,
            "Retention in minutes; overrides log.retention.hours.")
        .define("log.retention.hours", INT, 168, HIGH,
            "Retention in hours.")
        .define("log.retention.bytes", LONG, -1L, HIGH,
            "Delete old segments while a partition is bigger than this; -1 = no size limit.")
        .define("log.retention.check.interval.ms", LONG, 300000L, atLeast(1), MEDIUM,
            "How often segments are checked against the retention limits.")

        // Replication
        .define("min.insync.replicas", INT, 1, atLeast(1), HIGH,
            "In-sync replicas needed for an acks=all produce to succeed.")
        .define("unclean.leader.election.enable", BOOLEAN, false, HIGH,
            "Allow an out-of-sync replica to become leader, at the price of losing data.")
        .define("replica.lag.time.max.ms", LONG, 30000L, HIGH,
            "A follower that has not caught up for this long leaves the ISR.")
        .define("replica.high.watermark.checkpoint.interval.ms", LONG, 5000L, HIGH,
            "How often the high watermarks are checkpointed.")
        .define("num.replica.fetchers", INT, 1, atLeast(1), HIGH,
            "Fetcher verticles per source broker.")
        .define("replica.fetch.max.bytes", INT, 1048576, atLeast(0), MEDIUM,
            "Bytes a follower fetch asks for per partition.")
        .define("replica.fetch.response.max.bytes", INT, 10485760, atLeast(0), MEDIUM,
            "Bytes a follower fetch asks for in total.")
        .define("replica.fetch.min.bytes", INT, 1, MEDIUM,
            "Bytes a follower fetch waits for.")
        .define("replica.fetch.wait.max.ms", INT, 500, MEDIUM,
            "Longest a follower fetch waits for replica.fetch.min.bytes.")
        .define("replica.fetch.backoff.ms", INT, 1000, atLeast(0), MEDIUM,
            "Pause after a failed follower fetch.")
        .define("auto.leader.rebalance.enable", BOOLEAN, true, HIGH,
            "Move leadership back to preferred replicas when the imbalance is too high.")
        .define("leader.imbalance.check.interval.seconds", LONG, 300L, atLeast(1), HIGH,
            "How often the controller checks leader imbalance.")
        .define("leader.imbalance.per.broker.percentage", INT, 10, HIGH,
            "Imbalance per broker, in percent, that triggers a rebalance.")
        .define("controlled.shutdown.enable", BOOLEAN, true, MEDIUM,
            "On shutdown, move leadership away before stopping.")
        .define("controlled.shutdown.max.retries", INT, 3, MEDIUM,
            "Attempts at a controlled shutdown before stopping anyway.")
        .define("controlled.shutdown.retry.backoff.ms", LONG, 5000L, MEDIUM,
            "Pause between controlled shutdown attempts.")
        .define("fetch.max.bytes", INT, 57671680, atLeast(1024), MEDIUM,
            "Most bytes a consumer fetch response carries.")

        // Internal topics
        .define("offsets.topic.num.partitions", INT, 50, atLeast(1), HIGH,
            "Partitions of __consumer_offsets; do not change once the topic exists.")
        .define("offsets.topic.replication.factor", SHORT, (short) 3, atLeast(1), HIGH,
            "Replication factor of __consumer_offsets; its creation waits for this many brokers.")
        .define("offsets.topic.segment.bytes", INT, 104857600, atLeast(1), HIGH,
            "Segment size of __consumer_offsets, kept small for fast compaction and loading.")
        .define("offsets.retention.minutes", INT, 10080, atLeast(1), HIGH,
            "How long committed offsets of an empty group are kept.")
        .define("offsets.retention.check.interval.ms", LONG, 600000L, atLeast(1), HIGH,
            "How often stale offsets are expired.")
        .define("offsets.commit.timeout.ms", INT, 5000, atLeast(1), HIGH,
            "How long an offset commit waits for the offsets topic's replicas.")
        .define("offsets.load.buffer.size", INT, 5242880, atLeast(1), HIGH,
            "Read size when loading offsets into the coordinator's cache.")
        // Transactions are not served; the keys are accepted so a Kafka configuration loads quietly.
        .define("transaction.state.log.num.partitions", INT, 50, atLeast(1), HIGH,
            "Partitions of __transaction_state (accepted, unused).")
        .define("transaction.state.log.replication.factor", SHORT, (short) 3, atLeast(1), HIGH,
            "Replication factor of __transaction_state (accepted, unused).")
        .define("transaction.state.log.min.isr", INT, 2, atLeast(1), HIGH,
            "min.insync.replicas of __transaction_state (accepted, unused).")
        .define("transaction.state.log.segment.bytes", INT, 104857600, atLeast(1), HIGH,
            "Segment size of __transaction_state (accepted, unused).")
        .define("transaction.state.log.load.buffer.size", INT, 5242880, atLeast(1), HIGH,
            "Read size when loading __transaction_state (accepted, unused).")

        // Group coordinator
        .define("group.initial.rebalance.delay.ms", INT, 3000, atLeast(0), MEDIUM,
            "How long a new group waits for more members before its first rebalance.")
        .define("group.min.session.timeout.ms", INT, 6000, MEDIUM,
            "Smallest session timeout a consumer may ask for.")
        .define("group.max.session.timeout.ms", INT, 1800000, MEDIUM,
            "Largest session timeout a consumer may ask for.")
        .define("group.max.size", INT, Integer.MAX_VALUE, atLeast(1), MEDIUM,
            "Most members a group may have.")

        // ZooKeeper
        .define("zookeeper.connect", STRING, null, HIGH,
            "host:port[,host:port...][/chroot] of the ensemble; unset or 'embedded' = in-process server.")
        .define("zookeeper.session.timeout.ms", INT, 18000, atLeast(1), HIGH,
            "ZooKeeper session timeout; a dead broker leaves the cluster after this.")
        .define("zookeeper.connection.timeout.ms", INT, null, nullOr(atLeast(1)), HIGH,
            "How long to wait for a ZooKeeper connection; default: zookeeper.session.timeout.ms.")

        // Gregor-specific
        .define("zookeeper.embedded.port", INT, 2181, between(0, 65535), HIGH,
            "Port of the in-process ZooKeeper on 127.0.0.1; 0 = any free port.")
        .define("zookeeper.embedded.data.dir", STRING, "data/zookeeper", HIGH,
            "Snapshot and transaction log directory of the in-process ZooKeeper; relative to the working directory.")
        .define("metrics.listener", STRING, "http://0.0.0.0:9404", MEDIUM,
            "http://host:port of the Prometheus endpoint (/metrics); port 0 = any free port.")
        .define("cluster.listener", STRING, null, MEDIUM,
            "host[:port] of the clustered event bus between brokers; default: the first advertised host, any free port.");

    /** Lets a key with a null default keep Kafka's range for the values actually supplied. */
    private static Validator nullOr(Validator validator) {
        return ConfigDef.LambdaValidator.with((name, value) -> {
            if (value != null)
                validator.ensureValid(name, value);
        }, validator::toString);
    }
}
