package io.gregor.broker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;

/** The broker's /metrics page after real clients produced and consumed. */
class MetricsEndpointTest {

    private static double value(String page, String series) {
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(series) + " (\\S+)$").matcher(page);
        return m.find() ? Double.parseDouble(m.group(1)) : Double.NaN;
    }

    private static String scrape(TestBroker broker) throws Exception {
        HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
            URI.create("http://127.0.0.1:" + broker.broker().metricsPort() + "/metrics")).build(),
            HttpResponse.BodyHandlers.ofString());
        assertEquals(200, response.statusCode());
        assertEquals("text/plain; version=0.0.4; charset=utf-8", response.headers().firstValue("content-type").orElse(""));
        return response.body();
    }

    @Test
    void clientTrafficShowsUpUnderKafkaNames() throws Exception {
        try (TestBroker broker = TestBroker.start()) {
            Properties admin = new Properties();
            admin.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrap());
            try (Admin client = Admin.create(admin)) {
                client.createTopics(List.of(new NewTopic("metered", 2, (short) 1))).all().get();
            }
            Map<String, Object> producerProps = Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrap(),
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class,
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class,
                ProducerConfig.LINGER_MS_CONFIG, 0);
            try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(producerProps)) {
                for (int i = 0; i < 10; i++)
                    producer.send(new ProducerRecord<>("metered", i % 2, null, new byte[100])).get();
            }
            Map<String, Object> consumerProps = Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrap(),
                ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class,
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
            int consumed = 0;
            try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(consumerProps)) {
                consumer.assign(List.of(new TopicPartition("metered", 0), new TopicPartition("metered", 1)));
                consumer.seekToBeginning(consumer.assignment());
                long deadline = System.currentTimeMillis() + 20_000;
                while (consumed < 10 && System.currentTimeMillis() < deadline) {
                    ConsumerRecords<byte[], byte[]> records = consumer.poll(Duration.ofMillis(200));
                    consumed += records.count();
                }
            }
            assertEquals(10, consumed);

            String page = scrape(broker);
            assertEquals(10.0, value(page, "kafka_server_brokertopicmetrics_messagesin_total{topic=\"metered\"}"), page);
            assertTrue(value(page, "kafka_server_brokertopicmetrics_messagesin_total{topic=\"\"}") >= 10);
            assertTrue(value(page, "kafka_server_brokertopicmetrics_bytesin_total{topic=\"metered\"}") > 1000);
            assertTrue(value(page, "kafka_server_brokertopicmetrics_bytesout_total{topic=\"metered\"}") > 1000);
            assertEquals(10.0, value(page, "kafka_server_brokertopicmetrics_totalproducerequests_total{topic=\"metered\"}"));
            assertTrue(value(page, "kafka_server_brokertopicmetrics_totalfetchrequests_total{topic=\"metered\"}") >= 2);
            assertEquals(0.0, value(page, "kafka_server_brokertopicmetrics_failedproducerequests_total{topic=\"metered\"}"));
            assertEquals(10.0, value(page, "kafka_network_requestmetrics_requests_total{request=\"Produce\"}"));
            assertTrue(value(page, "kafka_network_requestmetrics_requests_total{request=\"FetchConsumer\"}") >= 1);
            assertTrue(value(page, "kafka_network_requestmetrics_totaltime_seconds_count{request=\"Produce\"}") >= 10);
            assertTrue(page.contains("kafka_network_requestmetrics_totaltimems{request=\"Produce\",quantile=\"0.99\"}"), page);
            assertEquals(2.0, value(page, "kafka_server_replicamanager_partitioncount"));
            assertEquals(2.0, value(page, "kafka_server_replicamanager_leadercount"));
            assertEquals(0.0, value(page, "kafka_server_replicamanager_underreplicatedpartitions"));
            assertEquals(1.0, value(page, "kafka_controller_kafkacontroller_activecontrollercount"));
            assertEquals(3.0, value(page, "kafka_server_kafkaserver_brokerstate"));
            assertEquals(5.0, value(page, "kafka_log_log_logendoffset{partition=\"0\",topic=\"metered\"}"));
            assertTrue(value(page, "kafka_log_log_size{partition=\"1\",topic=\"metered\"}") > 500);
            assertTrue(value(page, "vertx_net_server_bytes_read_total") > 0, "Vert.x's meters are on the page");
            assertTrue(page.contains("vertx_eventbus_sent_total{address=\"gregor.log.shard."), "event bus meters");
            assertTrue(page.contains("jvm_memory_used_bytes"));

            try (Admin client = Admin.create(admin)) {
                client.deleteTopics(List.of("metered")).all().get();
            }
            String after = scrape(broker);
            assertTrue(!after.contains("topic=\"metered\""), after.lines().filter(l -> l.contains("metered")).toList().toString());
        }
    }
}
