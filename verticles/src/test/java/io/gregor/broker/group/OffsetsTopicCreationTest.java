package io.gregor.broker.group;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ListTopicsOptions;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.admin.TopicListing;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.message.FindCoordinatorRequestData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.FindCoordinatorRequest;
import org.apache.kafka.common.requests.FindCoordinatorResponse;
import org.junit.jupiter.api.Test;

import io.gregor.broker.TestBroker;

/** __consumer_offsets is created on first use with the offsets.topic.* settings, as Kafka creates it. */
class OffsetsTopicCreationTest {

    @Test
    void theFirstCoordinatorLookupCreatesACompactedInternalTopic() throws Exception {
        try (TestBroker broker = TestBroker.start(Map.of("offsets.topic.num.partitions", "4",
            "offsets.topic.segment.bytes", "1048576"));
             Admin admin = GroupTestSupport.admin(broker.bootstrap())) {
            assertFalse(admin.listTopics().listings().get(30, TimeUnit.SECONDS).stream().anyMatch(TopicListing::isInternal));
            try (RawClient raw = new RawClient(broker.bootstrap())) {
                FindCoordinatorResponse first = raw.call(new FindCoordinatorRequest.Builder(new FindCoordinatorRequestData()
                    .setKey("g")).build((short) 3));
                assertEquals(Errors.COORDINATOR_NOT_AVAILABLE, first.error(), "Kafka answers this while it creates the topic");
            }
            // The admin client retries until the coordinator is there.
            admin.listConsumerGroupOffsets("g").partitionsToOffsetAndMetadata().get(30, TimeUnit.SECONDS);
            TopicDescription topic = admin.describeTopics(List.of("__consumer_offsets")).allTopicNames()
                .get(30, TimeUnit.SECONDS).get("__consumer_offsets");
            assertEquals(4, topic.partitions().size());
            assertTrue(topic.isInternal());
            ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, "__consumer_offsets");
            Config config = admin.describeConfigs(List.of(resource)).all().get(30, TimeUnit.SECONDS).get(resource);
            assertEquals("compact", config.get("cleanup.policy").value());
            assertEquals("1048576", config.get("segment.bytes").value());
            assertEquals("producer", config.get("compression.type").value());
        }
    }

    @Test
    void tooFewBrokersForTheReplicationFactorLeaveTheCoordinatorUnavailable() throws Exception {
        try (TestBroker broker = TestBroker.start(Map.of("offsets.topic.replication.factor", "3"));
             RawClient raw = new RawClient(broker.bootstrap())) {
            for (int i = 0; i < 3; i++) {
                FindCoordinatorResponse response = raw.call(new FindCoordinatorRequest.Builder(new FindCoordinatorRequestData()
                    .setKeyType((byte) 0).setCoordinatorKeys(List.of("g"))).build((short) 4));
                assertEquals(Errors.COORDINATOR_NOT_AVAILABLE.code(), response.coordinators().get(0).errorCode());
                assertEquals(-1, response.coordinators().get(0).nodeId());
            }
            try (Admin admin = GroupTestSupport.admin(broker.bootstrap())) {
                assertFalse(admin.listTopics(new ListTopicsOptions().listInternal(true))
                    .names().get(30, TimeUnit.SECONDS).contains("__consumer_offsets"));
            }
        }
    }
}
