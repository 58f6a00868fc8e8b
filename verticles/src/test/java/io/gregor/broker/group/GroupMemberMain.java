package io.gregor.broker.group;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.TreeSet;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;

/**
 * A group member in its own JVM, for tests that kill it with -9. Prints one line per consumed
 * record ({@code R partition offset generation}) and one per assignment change
 * ({@code A p,p,p generation}); commits synchronously after printing, so whatever is committed
 * was reported.
 *
 * <p>Arguments: bootstrap topic group assignorClass groupInstanceId|- sessionTimeoutMs
 */
public final class GroupMemberMain {
    private GroupMemberMain() {
    }

    public static void main(String[] args) {
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        Properties props = GroupTestSupport.consumerProps(args[0], args[2]);
        props.put(ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG, args[3]);
        if (!args[4].equals("-"))
            props.put(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG, args[4]);
        props.put(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, args[5]);
        props.put(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, "500");
        props.put(ConsumerConfig.CLIENT_ID_CONFIG, "child-" + args[4]);
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(props)) {
            consumer.subscribe(List.of(args[1]));
            String lastAssignment = null;
            while (true) {
                ConsumerRecords<String, String> records = consumer.poll(Duration.ofMillis(100));
                int generation = consumer.groupMetadata().generationId();
                TreeSet<Integer> partitions = new TreeSet<>();
                for (TopicPartition tp : consumer.assignment())
                    partitions.add(tp.partition());
                String assignment = partitions.toString().replace(" ", "").replace("[", "").replace("]", "");
                if (!assignment.equals(lastAssignment)) {
                    out.println("A " + assignment + " " + generation);
                    lastAssignment = assignment;
                }
                for (ConsumerRecord<String, String> r : records)
                    out.println("R " + r.partition() + " " + r.offset() + " " + generation);
                if (!records.isEmpty()) {
                    try {
                        consumer.commitSync();
                    } catch (KafkaException e) {
                        // A rebalance got in the way (cooperative protocol): the next owner gets the records.
                    }
                }
            }
        }
    }
}
