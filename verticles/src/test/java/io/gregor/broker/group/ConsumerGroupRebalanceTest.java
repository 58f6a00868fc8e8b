package io.gregor.broker.group;

import static io.gregor.broker.group.GroupTestSupport.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.CooperativeStickyAssignor;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.RangeAssignor;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.gregor.broker.TestBroker;

/**
 * Three real KafkaConsumers in one group on a 6-partition topic: 2/2/2, then one closes (3/3),
 * then one in a child JVM is killed with -9 (its partitions move after session.timeout.ms).
 * Records are produced all along; every one is consumed, and no record is consumed by two
 * members of the same generation. With the eager RangeAssignor, the cooperative
 * CooperativeStickyAssignor, and static membership (a restart within the session timeout causes
 * no rebalance).
 */
class ConsumerGroupRebalanceTest {
    private static final int PARTITIONS = 6;
    private static final int SESSION_TIMEOUT_MS = 4000;
    private static TestBroker broker;

    @BeforeAll
    static void startBroker() throws Exception {
        broker = TestBroker.start(Map.of("offsets.topic.num.partitions", "3", "group.min.session.timeout.ms", "1000"));
    }

    @AfterAll
    static void stopBroker() throws Exception {
        if (broker != null)
            broker.close();
    }

    /** One consumed record: who consumed it, in which generation. */
    record Consumed(int partition, long offset, String member, int generation) {
    }

    private final List<Consumed> consumed = new CopyOnWriteArrayList<>();

    /** A consumer polling in its own thread (KafkaConsumer is single-threaded), committing after each poll. */
    final class Member implements AutoCloseable {
        final String name;
        final Thread thread;
        final AtomicBoolean running = new AtomicBoolean(true);
        final AtomicInteger revocations = new AtomicInteger();
        volatile Set<Integer> assignment = Set.of();
        volatile int generation = -1;
        volatile Throwable failure;

        Member(String name, String topic, String group, Class<?> assignor, String instanceId, int sessionTimeoutMs) {
            this.name = name;
            Properties props = GroupTestSupport.consumerProps(broker.bootstrap(), group);
            props.put(ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG, assignor.getName());
            props.put(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, sessionTimeoutMs);
            props.put(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, 500);
            props.put(ConsumerConfig.CLIENT_ID_CONFIG, name);
            if (instanceId != null)
                props.put(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG, instanceId);
            thread = new Thread(() -> run(props, topic), "member-" + name);
            thread.start();
        }

        private void run(Properties props, String topic) {
            try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(props)) {
                consumer.subscribe(List.of(topic), new ConsumerRebalanceListener() {
                    @Override
                    public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
                        if (!partitions.isEmpty())
                            revocations.incrementAndGet();
                    }

                    @Override
                    public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
                    }
                });
                while (running.get()) {
                    ConsumerRecords<String, String> records = consumer.poll(Duration.ofMillis(100));
                    int gen = consumer.groupMetadata().generationId();
                    generation = gen;
                    Set<Integer> now = new TreeSet<>();
                    consumer.assignment().forEach(tp -> now.add(tp.partition()));
                    assignment = now;
                    for (ConsumerRecord<String, String> r : records)
                        consumed.add(new Consumed(r.partition(), r.offset(), name, gen));
                    if (!records.isEmpty()) {
                        try {
                            consumer.commitSync();
                        } catch (KafkaException e) {
                            // A rebalance got in the way: the records go to the next owner, in a later generation.
                        }
                    }
                }
            } catch (Throwable t) {
                failure = t;
            }
        }

        @Override
        public void close() {
            running.set(false);
            join(thread);
        }
    }

    private static void join(Thread thread) {
        try {
            thread.join(30_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The same member in a child JVM, to be killed with -9. */
    final class ChildMember implements AutoCloseable {
        final String name;
        final GroupTestSupport.Child child;
        private int seen;

        ChildMember(String name, String topic, String group, Class<?> assignor, String instanceId, int sessionTimeoutMs)
            throws Exception {
            this.name = name;
            child = new GroupTestSupport.Child(GroupMemberMain.class.getName(), List.of(broker.bootstrap(), topic, group,
                assignor.getName(), instanceId == null ? "-" : instanceId, Integer.toString(sessionTimeoutMs)));
        }

        /** Moves the child's reported records into {@link #consumed}; returns its latest assignment. */
        synchronized Set<Integer> assignment() {
            Set<Integer> latest = null;
            List<String> lines = child.lines;
            for (int i = 0; i < lines.size(); i++) {
                String[] f = lines.get(i).split(" ", -1);
                if (f[0].equals("A")) {
                    latest = new TreeSet<>();
                    for (String p : f[1].split(",")) {
                        if (!p.isEmpty())
                            latest.add(Integer.parseInt(p));
                    }
                } else if (f[0].equals("R") && i >= seen) {
                    consumed.add(new Consumed(Integer.parseInt(f[1]), Long.parseLong(f[2]), name, Integer.parseInt(f[3])));
                }
            }
            seen = lines.size();
            return latest == null ? Set.of() : latest;
        }

        void kill() throws InterruptedException {
            child.kill();
            assignment();
        }

        @Override
        public void close() {
            child.close();
        }
    }

    /** Produces to every partition in turn until stopped, remembering what was acknowledged. */
    static final class Producing implements AutoCloseable {
        final Set<String> produced = ConcurrentHashMap.newKeySet();
        final AtomicBoolean running = new AtomicBoolean(true);
        final Thread thread;
        volatile Throwable failure;

        Producing(String topic) {
            thread = new Thread(() -> {
                try (KafkaProducer<String, String> producer = GroupTestSupport.producer(broker.bootstrap())) {
                    int i = 0;
                    while (running.get()) {
                        int partition = i % PARTITIONS;
                        producer.send(new ProducerRecord<>(topic, partition, null, "r" + i), (metadata, e) -> {
                            if (e == null)
                                produced.add(metadata.partition() + ":" + metadata.offset());
                        });
                        i++;
                        if (i % PARTITIONS == 0)
                            Thread.sleep(20);
                    }
                    producer.flush();
                } catch (Throwable t) {
                    failure = t;
                }
            }, "producer");
            thread.start();
        }

        /** Stops producing and waits for the acknowledgements. */
        void stop() {
            running.set(false);
            join(thread);
        }

        @Override
        public void close() {
            stop();
        }
    }

    private static boolean split(List<Set<Integer>> assignments, int... sizes) {
        Set<Integer> union = new HashSet<>();
        int total = 0;
        for (int i = 0; i < sizes.length; i++) {
            if (assignments.get(i).size() != sizes[i])
                return false;
            union.addAll(assignments.get(i));
            total += assignments.get(i).size();
        }
        return total == PARTITIONS && union.size() == PARTITIONS;
    }

    /** Every acknowledged record was consumed, and no record twice within one generation by two members. */
    private void assertConsumption(Producing producing, ChildMember child) throws InterruptedException {
        boolean all = await(Duration.ofSeconds(30), () -> {
            child.assignment();
            Set<String> seen = new HashSet<>();
            consumed.forEach(c -> seen.add(c.partition() + ":" + c.offset()));
            return seen.containsAll(producing.produced);
        });
        Set<String> seen = new HashSet<>();
        consumed.forEach(c -> seen.add(c.partition() + ":" + c.offset()));
        Set<String> missing = new TreeSet<>(producing.produced);
        missing.removeAll(seen);
        assertTrue(all, "records never consumed: " + missing.size() + " of " + producing.produced.size() + " e.g. "
            + missing.stream().limit(10).toList());
        Map<String, Set<String>> ownersPerGeneration = new HashMap<>();
        for (Consumed c : consumed)
            ownersPerGeneration.computeIfAbsent(c.partition() + ":" + c.offset() + "@" + c.generation(), k -> new TreeSet<>())
                .add(c.member());
        List<String> doubles = new ArrayList<>();
        ownersPerGeneration.forEach((record, owners) -> {
            if (owners.size() > 1)
                doubles.add(record + " by " + owners);
        });
        assertTrue(doubles.isEmpty(), "consumed by two members of one generation: " + doubles);
        assertTrue(producing.produced.size() > 100, "produced " + producing.produced.size());
    }

    private void scenario(String topic, Class<?> assignor, boolean staticMembers) throws Exception {
        GroupTestSupport.createTopic(broker.bootstrap(), topic, PARTITIONS);
        String group = "group-" + topic;
        int session = staticMembers ? 2 * SESSION_TIMEOUT_MS : SESSION_TIMEOUT_MS;
        try (Producing producing = new Producing(topic);
             Member a = new Member("a", topic, group, assignor, staticMembers ? "instance-a" : null, session);
             ChildMember c = new ChildMember("c", topic, group, assignor, staticMembers ? "instance-c" : null, session)) {
            Member first = new Member("b", topic, group, assignor, staticMembers ? "instance-b" : null, session);
            Member b = first;
            try {
                assertTrue(await(Duration.ofSeconds(60), () -> split(List.of(a.assignment, first.assignment, c.assignment()), 2, 2, 2)),
                    "2/2/2 expected: a=" + a.assignment + " b=" + first.assignment + " c=" + c.assignment());
                if (staticMembers) {
                    // A static member restarting within its session timeout gets its partitions back, without a rebalance.
                    Set<Integer> before = b.assignment;
                    int generation = a.generation;
                    int revocations = a.revocations.get();
                    b.close();
                    b = new Member("b2", topic, group, assignor, "instance-b", session);
                    Member restarted = b;
                    assertTrue(await(Duration.ofSeconds(30), () -> restarted.assignment.equals(before)),
                        "restarted static member got " + restarted.assignment + ", had " + before);
                    assertEquals(generation, restarted.generation, "no new generation");
                    assertEquals(generation, a.generation);
                    assertEquals(revocations, a.revocations.get(), "the other members were not rebalanced");
                    assertEquals(2, a.assignment.size());
                }
                b.close();
                assertTrue(await(Duration.ofSeconds(staticMembers ? 60 : 30),
                    () -> split(List.of(a.assignment, c.assignment()), 3, 3)),
                    "3/3 expected after one closed: a=" + a.assignment + " c=" + c.assignment());

                long killedAt = System.nanoTime();
                c.kill();
                assertTrue(await(Duration.ofMillis(session + 30_000), () -> a.assignment.size() == PARTITIONS),
                    "the killed member's partitions never moved: a=" + a.assignment);
                long movedAfterMs = (System.nanoTime() - killedAt) / 1_000_000;
                assertTrue(movedAfterMs >= session - 1500, "moved after " + movedAfterMs + " ms, before the session timeout");
            } finally {
                b.close();
            }
            producing.stop();
            assertConsumption(producing, c);
            if (producing.failure != null)
                fail(producing.failure);
            if (a.failure != null)
                fail(a.failure);
        }
    }

    @Test
    void eagerRangeAssignor() throws Exception {
        scenario("range", RangeAssignor.class, false);
    }

    @Test
    void cooperativeStickyAssignor() throws Exception {
        scenario("cooperative", CooperativeStickyAssignor.class, false);
    }

    @Test
    void staticMembership() throws Exception {
        scenario("static", RangeAssignor.class, true);
    }
}
