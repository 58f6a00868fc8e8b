package io.gregor.broker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.regex.Pattern;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.message.ApiVersionsRequestData;
import org.apache.kafka.common.message.ApiVersionsResponseData;
import org.apache.kafka.common.message.ApiVersionsResponseData.ApiVersion;
import org.apache.kafka.common.message.ControlledShutdownRequestData;
import org.apache.kafka.common.message.CreateTopicsRequestData;
import org.apache.kafka.common.message.CreateTopicsRequestData.CreatableTopic;
import org.apache.kafka.common.message.CreateTopicsRequestData.CreatableTopicCollection;
import org.apache.kafka.common.message.CreateTopicsResponseData.CreatableTopicResult;
import org.apache.kafka.common.message.DescribeClusterRequestData;
import org.apache.kafka.common.message.DescribeConfigsRequestData;
import org.apache.kafka.common.message.DescribeLogDirsRequestData;
import org.apache.kafka.common.message.InitProducerIdRequestData;
import org.apache.kafka.common.message.OffsetForLeaderEpochRequestData;
import org.apache.kafka.common.message.FetchRequestData;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.message.EndTxnRequestData;
import org.apache.kafka.common.message.LeaderAndIsrRequestData;
import org.apache.kafka.common.message.LeaderAndIsrRequestData.LeaderAndIsrLiveLeader;
import org.apache.kafka.common.message.LeaderAndIsrRequestData.LeaderAndIsrPartitionState;
import org.apache.kafka.common.message.LeaderAndIsrRequestData.LeaderAndIsrTopicState;
import org.apache.kafka.common.message.ListOffsetsRequestData;
import org.apache.kafka.common.message.MetadataRequestData;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.message.ProduceResponseData.PartitionProduceResponse;
import org.apache.kafka.common.message.RequestHeaderData;
import org.apache.kafka.common.message.StopReplicaRequestData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.ByteBufferAccessor;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.RecordBatch;
import org.apache.kafka.common.record.SimpleRecord;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.ApiVersionsResponse;
import org.apache.kafka.common.requests.CreateTopicsResponse;
import org.apache.kafka.common.requests.FetchResponse;
import org.apache.kafka.common.requests.ProduceResponse;
import org.apache.kafka.common.requests.RequestHeader;
import org.apache.kafka.common.requests.RequestUtils;
import org.apache.kafka.common.requests.ResponseHeader;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.utils.Crc32C;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.core.LogEvent;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * What a broker must survive on its client port: frames that are not Kafka, too big, too small,
 * cut short, of unknown or unserved APIs, pipelined, with corrupt record batches, acks=0, and
 * names or offsets that do not exist. Each case talks through a raw {@link Socket} (requests built
 * with kafka-clients' own message classes, responses parsed with them), and after each case a
 * well-behaved producer and admin client on their own connections must still be served.
 *
 * <p>{@code -Dbadinput.reference=kafka} runs the same cases against Apache Kafka 3.9.2 (ZooKeeper
 * mode, in this JVM) instead of Gregor: the check that what these tests expect is what Kafka does.
 * Gregor's own log lines, and the places where the design departs from Kafka on purpose, are only
 * checked against Gregor.
 */
@ExtendWith(NoBlockedThreads.class)
class BadInputTest {
    private static final int MAX_REQUEST_BYTES = 1 << 20;
    private static final String CLIENT_ID = "bad-input-test";
    private static final String CONNECTION_LOGGER = "io.gregor.broker.network.KafkaConnection";
    private static final String STEADY = "steady";
    private static final int FUZZ_ROUNDS = Integer.getInteger("badinput.fuzz.rounds", 150);

    /** True when the cases run against Apache Kafka, to check the expectations themselves. */
    private static final boolean KAFKA = "kafka".equalsIgnoreCase(System.getProperty("badinput.reference"));

    private static AutoCloseable broker;
    private static String bootstrap;
    private static KafkaProducer<byte[], byte[]> producer;
    private static Admin admin;
    private static LogCapture brokerLog;
    /** Every ERROR in the JVM: the broker's, Vert.x's ("Unhandled exception"), the clients'. */
    private static LogCapture errorLog;
    private static long steadyOffset;
    private int errorsAtStart;

    @BeforeAll
    static void start() throws Exception {
        // KafkaConnection's DEBUG lines too: a client hanging up mid-request is only worth DEBUG.
        brokerLog = LogCapture.attach(CONNECTION_LOGGER, Level.DEBUG);
        errorLog = LogCapture.attach("", Level.ERROR);
        Map<String, String> overrides = Map.of(
            "socket.request.max.bytes", String.valueOf(MAX_REQUEST_BYTES),
            "auto.create.topics.enable", "false");
        if (KAFKA) {
            KafkaReference kafka = KafkaReference.start(overrides);
            broker = kafka;
            bootstrap = kafka.bootstrap();
        } else {
            TestBroker gregor = TestBroker.start(overrides);
            broker = gregor;
            bootstrap = gregor.bootstrap();
        }
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        props.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 20_000);
        props.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000);
        producer = new KafkaProducer<>(props);
        admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap));
        admin.createTopics(List.of(new NewTopic(STEADY, 1, (short) 1))).all().get(30, TimeUnit.SECONDS);
    }

    @AfterAll
    static void stop() throws Exception {
        if (producer != null)
            producer.close();
        if (admin != null)
            admin.close();
        if (broker != null)
            broker.close();
        if (brokerLog != null)
            brokerLog.close();
        if (errorLog != null)
            errorLog.close();
    }

    @BeforeEach
    void markLog() {
        errorsAtStart = errorLog.events().size();
    }

    /** After every case: the well-behaved clients are still served, and nothing was logged as an error. */
    @AfterEach
    void wellBehavedClientsStillWork() throws Exception {
        long offset = producer.send(new ProducerRecord<>(STEADY, 0, null, bytes("still here " + steadyOffset)))
            .get(20, TimeUnit.SECONDS).offset();
        assertEquals(steadyOffset, offset, "the steady producer's next offset");
        steadyOffset++;
        TopicPartition tp = new TopicPartition(STEADY, 0);
        assertEquals(steadyOffset, admin.listOffsets(Map.of(tp, OffsetSpec.latest())).all()
            .get(20, TimeUnit.SECONDS).get(tp).offset());
        assertEquals(1, admin.describeCluster().nodes().get(20, TimeUnit.SECONDS).size());
        List<LogEvent> events = errorLog.events();
        List<String> errors = events.subList(errorsAtStart, events.size()).stream().map(LogCapture::format).toList();
        // Kafka logs some refusals at ERROR ("Error processing append operation"); Gregor must not need to.
        if (!KAFKA)
            assertTrue(errors.isEmpty(), "errors logged during the case:\n" + String.join("\n", errors));
    }

    // ---------------------------------------------------------------------------------------------
    // 1. Garbage

    @Test
    void garbageFramesWithAValidSizePrefixCloseTheConnectionWithAWarning() throws Exception {
        Random random = new Random(20240601);
        for (int i = 0; i < 8; i++) {
            byte[] garbage = new byte[8 + random.nextInt(300)];
            random.nextBytes(garbage);
            try (Raw raw = Raw.connect()) {
                raw.writeFrame(garbage);
                assertClosedByBroker(raw, "a frame of " + garbage.length + " random bytes starting " + hex(garbage, 8));
                assertWarned(raw, "Closing connection");
            }
        }
        // Not Kafka at all: an HTTP request and a TLS ClientHello on the plaintext port.
        byte[][] strangers = {
            "GET / HTTP/1.1\r\nHost: localhost\r\n\r\n".getBytes(StandardCharsets.US_ASCII),
            {0x16, 0x03, 0x01, 0x00, (byte) 0xa5, 0x01, 0x00, 0x00, (byte) 0xa1, 0x03, 0x03},
        };
        for (byte[] stranger : strangers) {
            try (Raw raw = Raw.connect()) {
                raw.writeRaw(stranger);
                assertClosedByBroker(raw, "bytes starting " + hex(stranger, 8));
                assertWarned(raw, "Closing connection");
            }
        }
    }

    // ---------------------------------------------------------------------------------------------
    // 2. Over socket.request.max.bytes

    @Test
    void aSizePrefixOverSocketRequestMaxBytesClosesAtOnceWithAWarning() throws Exception {
        for (int size : new int[] {Integer.MAX_VALUE, 2 * MAX_REQUEST_BYTES, MAX_REQUEST_BYTES + 1}) {
            try (Raw raw = Raw.connect()) {
                // Only the prefix: the broker must decide from it, not wait for (or buffer) the body.
                // (Tests run with -Xmx1g: allocating 2 GiB would be an OutOfMemoryError, an ERROR line.)
                raw.writeRaw(ByteBuffer.allocate(4).putInt(size).array());
                assertClosedByBroker(raw, "size prefix " + size);
                assertWarned(raw, String.valueOf(size), "socket.request.max.bytes");
            }
        }
        // A 2 MiB request really sent: cut off after the prefix, not after 2 MiB were buffered.
        try (Raw raw = Raw.connect()) {
            byte[] chunk = new byte[64 * 1024];
            long sent = 0;
            try {
                raw.writeRaw(ByteBuffer.allocate(4).putInt(2 * MAX_REQUEST_BYTES).array());
                while (sent < 2L * MAX_REQUEST_BYTES) {
                    raw.writeRaw(chunk);
                    sent += chunk.length;
                }
            } catch (IOException expected) {
                // The broker closed while we were still writing.
            }
            assertClosedByBroker(raw, "a 2 MiB request");
            assertWarned(raw, "socket.request.max.bytes");
        }
    }

    @Test
    void aRequestOfExactlySocketRequestMaxBytesIsServed() throws Exception {
        String topic = "max-request";
        admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1)
            .configs(Map.of("max.message.bytes", String.valueOf(2 * MAX_REQUEST_BYTES))))).all().get(30, TimeUnit.SECONDS);
        try (Raw raw = Raw.connect()) {
            short version = ApiKeys.PRODUCE.latestVersion();
            int valueSize = MAX_REQUEST_BYTES - 200;
            ProduceRequestData produce = null;
            int frame = 0;
            for (int attempt = 0; attempt < 5 && frame != MAX_REQUEST_BYTES; attempt++) {
                produce = produce(topic, 0, (short) 1, MemoryRecords.withRecords(Compression.NONE,
                    new SimpleRecord(null, new byte[valueSize])));
                frame = raw.serialize(ApiKeys.PRODUCE, version, produce, 0).remaining();
                valueSize += MAX_REQUEST_BYTES - frame;
            }
            assertEquals(MAX_REQUEST_BYTES, frame, "built a request of exactly socket.request.max.bytes");
            RequestHeader header = raw.send(ApiKeys.PRODUCE, version, produce);
            ProduceResponse response = raw.receive(header);
            assertEquals(Errors.NONE.code(), partition(response).errorCode(), partition(response).toString());
            assertEquals(0, partition(response).baseOffset());
        }
    }

    // ---------------------------------------------------------------------------------------------
    // 3. Negative and tiny sizes

    @Test
    void aNegativeOrTinySizePrefixClosesTheConnectionWithAWarning() throws Exception {
        for (int size : new int[] {-1, Integer.MIN_VALUE, 0, 1, 7}) {
            try (Raw raw = Raw.connect()) {
                ByteBuffer bytes = ByteBuffer.allocate(4 + 8).putInt(size).putInt(0x00120000).putInt(1);
                raw.writeRaw(bytes.array());
                assertClosedByBroker(raw, "size prefix " + size);
                assertWarned(raw, String.valueOf(size));
            }
        }
        // Eight bytes is a header's api key, version and correlation id, but no client id.
        try (Raw raw = Raw.connect()) {
            raw.writeFrame(ByteBuffer.allocate(8).putShort(ApiKeys.API_VERSIONS.id).putShort((short) 0).putInt(1).array());
            assertClosedByBroker(raw, "an 8-byte header without a client id");
            assertWarned(raw, "cannot parse the request header");
        }
    }

    // ---------------------------------------------------------------------------------------------
    // 4. Truncated requests

    @Test
    void aClientHangingUpInTheMiddleOfARequestDoesNotHurtTheBroker() throws Exception {
        hangUpMidRequest();
        hangUpAfterAHeaderAndPartOfABody();
    }

    @Test
    void aClientHangingUpInTheMiddleOfARequestIsLogged() throws Exception {
        int mark = brokerLog.mark();
        int port = hangUpMidRequest();
        int port2 = hangUpAfterAHeaderAndPartOfABody();
        // Kafka logs such a disconnect at DEBUG ("Connection with ... disconnected", EOFException).
        if (KAFKA)
            return;
        assertNotNull(brokerLog.awaitAfter(mark, forConnection(port, Level.DEBUG), 3000),
            "no log line about the connection that hung up mid-request; KafkaConnection lines: " + connectionLines());
        assertNotNull(brokerLog.awaitAfter(mark, forConnection(port2, Level.DEBUG), 3000),
            "no log line about the connection that ended mid-request; KafkaConnection lines: " + connectionLines());
    }

    /** Size 100, 50 bytes, close. Returns the client port. */
    private static int hangUpMidRequest() throws IOException {
        try (Raw raw = Raw.connect()) {
            byte[] half = new byte[50];
            Arrays.fill(half, (byte) 1);
            raw.writeRaw(ByteBuffer.allocate(4 + 50).putInt(100).put(half).array());
            return raw.port();
        }
    }

    /** Size 100, a good header and part of a Metadata body, end of stream: the broker hangs up too. */
    private static int hangUpAfterAHeaderAndPartOfABody() throws IOException {
        try (Raw raw = Raw.connect()) {
            ByteBuffer metadata = raw.serialize(ApiKeys.METADATA, ApiKeys.METADATA.latestVersion(), metadataFor("a", "b"), 0);
            byte[] part = new byte[Math.min(metadata.remaining(), 40)];
            metadata.get(part);
            raw.writeRaw(ByteBuffer.allocate(4 + part.length).putInt(100).put(part).array());
            raw.socket.shutdownOutput();
            assertClosedByBroker(raw, "end of stream after " + part.length + " of 100 bytes");
            return raw.port();
        }
    }

    @Test
    void aCompleteFrameWhoseBodyIsCutShortClosesTheConnectionWithAWarning() throws Exception {
        sendCutBodies(false);
        assertEquals(0, endOffset(STEADY) - steadyOffset, "the cut produce appended nothing");
    }

    @Test
    void theWarningForACutBodyNamesTheReason() throws Exception {
        sendCutBodies(true);
    }

    /** A frame of the right size for what is sent, whose header parses but whose body stops early. */
    private static void sendCutBodies(boolean reasonNamed) throws Exception {
        List<ApiMessage> bodies = List.of(metadataFor("one", "two", "three"),
            produce(STEADY, 0, (short) 1, MemoryRecords.withRecords(Compression.NONE, new SimpleRecord(bytes("cut")))),
            createTopics("never-created"));
        for (ApiMessage body : bodies) {
            ApiKeys api = ApiKeys.forId(body.apiKey());
            try (Raw raw = Raw.connect()) {
                short version = api.latestVersion();
                RequestHeader header = raw.nextHeader(api, version);
                ByteBuffer whole = RequestUtils.serialize(header.data(), header.headerVersion(), body, version);
                int headerSize = header.size();
                int cut = headerSize + (whole.remaining() - headerSize) / 2;
                byte[] frame = new byte[cut];
                whole.get(frame);
                raw.writeFrame(frame);
                assertClosedByBroker(raw, api + " cut at " + cut + " of " + whole.capacity() + " bytes");
                assertWarned(raw, "cannot parse " + api);
                // The reason, not a bare "null" (a BufferUnderflowException has no message).
                if (reasonNamed)
                    assertWarnedWithout(raw, ": null");
            }
        }
    }

    // ---------------------------------------------------------------------------------------------
    // 5. Unknown API key, unknown version

    @Test
    void anUnknownApiKeyClosesTheConnectionWithAWarning() throws Exception {
        for (short key : new short[] {999, Short.MAX_VALUE, -1, -2}) {
            try (Raw raw = Raw.connect()) {
                RequestHeaderData header = new RequestHeaderData().setRequestApiKey(key).setRequestApiVersion((short) 0)
                    .setCorrelationId(7).setClientId(CLIENT_ID);
                raw.writeFrame(RequestUtils.serialize(header, (short) 1, new ApiVersionsRequestData(), (short) 0));
                assertClosedByBroker(raw, "API key " + key);
                assertWarned(raw, String.valueOf(key));
            }
        }
    }

    @Test
    void aVersionNewerThanTheBrokerCanParseClosesTheConnectionWithAWarning() throws Exception {
        // Kafka too closes on any API but ApiVersions at a version it cannot parse.
        try (Raw raw = Raw.connect()) {
            RequestHeader header = raw.nextHeader(ApiKeys.METADATA, (short) 99);
            raw.writeFrame(RequestUtils.serialize(header.data(), header.headerVersion(), metadataFor("x"),
                ApiKeys.METADATA.latestVersion()));
            assertClosedByBroker(raw, "Metadata v99");
            assertWarned(raw, "v99");
        }
    }

    // ---------------------------------------------------------------------------------------------
    // 6. APIs the client listener does not serve

    @Test
    void interBrokerAndUnservedApisGetUnsupportedVersionAndTheConnectionStaysUsable() throws Exception {
        // The design's departure from Kafka, which serves these to anyone on the listener.
        assumeFalse(KAFKA, "Kafka serves inter-broker APIs on its client listener");
        Uuid steadyId = admin.describeTopics(List.of(STEADY)).allTopicNames().get(20, TimeUnit.SECONDS).get(STEADY).topicId();
        LeaderAndIsrRequestData leaderAndIsr = new LeaderAndIsrRequestData().setControllerId(0).setControllerEpoch(99)
            .setBrokerEpoch(Long.MAX_VALUE)
            .setTopicStates(List.of(new LeaderAndIsrTopicState().setTopicName(STEADY).setTopicId(steadyId)
                .setPartitionStates(List.of(new LeaderAndIsrPartitionState().setTopicName(STEADY).setPartitionIndex(0)
                    .setControllerEpoch(99).setLeader(42).setLeaderEpoch(1000).setIsr(List.of(42))
                    .setPartitionEpoch(1000).setReplicas(List.of(0, 42)).setIsNew(false)))))
            .setLiveLeaders(List.of(new LeaderAndIsrLiveLeader().setBrokerId(42).setHostName("127.0.0.1").setPort(1)));
        StopReplicaRequestData stopReplica = new StopReplicaRequestData().setControllerId(0).setControllerEpoch(99)
            .setBrokerEpoch(Long.MAX_VALUE)
            .setTopicStates(List.of(new StopReplicaRequestData.StopReplicaTopicState().setTopicName(STEADY)
                .setPartitionStates(List.of(new StopReplicaRequestData.StopReplicaPartitionState().setPartitionIndex(0)
                    .setLeaderEpoch(1000).setDeletePartition(true)))));
        ControlledShutdownRequestData shutdown = new ControlledShutdownRequestData().setBrokerId(0).setBrokerEpoch(-1);
        EndTxnRequestData endTxn = new EndTxnRequestData().setTransactionalId("t").setProducerId(1)
            .setProducerEpoch((short) 0).setCommitted(true);

        Map<ApiMessage, short[]> cases = new java.util.LinkedHashMap<>();
        cases.put(leaderAndIsr, new short[] {ApiKeys.LEADER_AND_ISR.latestVersion(), 4, 2});
        cases.put(stopReplica, new short[] {ApiKeys.STOP_REPLICA.latestVersion(), 3});
        cases.put(shutdown, new short[] {ApiKeys.CONTROLLED_SHUTDOWN.latestVersion(), 1});
        cases.put(endTxn, new short[] {ApiKeys.END_TXN.latestVersion(), 0});
        try (Raw raw = Raw.connect()) {
            for (Map.Entry<ApiMessage, short[]> c : cases.entrySet()) {
                ApiKeys api = ApiKeys.forId(c.getKey().apiKey());
                for (short version : c.getValue()) {
                    RequestHeader header = raw.send(api, version, c.getKey());
                    AbstractResponse response = raw.receive(header);
                    assertEquals(Map.of(Errors.UNSUPPORTED_VERSION, 1), topLevelErrors(response),
                        api + " v" + version + ": " + response);
                    // Still usable: a request right after is answered.
                    apiVersions(raw);
                }
            }
            ApiVersionsResponse versions = apiVersions(raw);
            for (ApiKeys unserved : List.of(ApiKeys.LEADER_AND_ISR, ApiKeys.STOP_REPLICA, ApiKeys.UPDATE_METADATA,
                    ApiKeys.CONTROLLED_SHUTDOWN, ApiKeys.END_TXN))
                assertNull(versions.apiVersion(unserved.id), unserved + " must not be advertised");
        }
        // The forged LeaderAndIsr and StopReplica changed nothing: broker 0 still leads steady-0.
        assertEquals(0, admin.describeTopics(List.of(STEADY)).allTopicNames().get(20, TimeUnit.SECONDS).get(STEADY)
            .partitions().get(0).leader().id());
    }

    /** Error responses of control APIs keep the error in one place or per partition: count it once. */
    private static Map<Errors, Integer> topLevelErrors(AbstractResponse response) {
        Map<Errors, Integer> counts = new HashMap<>(response.errorCounts());
        counts.remove(Errors.NONE);
        counts.replaceAll((e, n) -> 1);
        return counts;
    }

    // ---------------------------------------------------------------------------------------------
    // 7. ApiVersions newer than the broker's

    @Test
    void apiVersionsNewerThanSupportedGetsAV0AnswerWithUnsupportedVersionAndTheRanges() throws Exception {
        try (Raw raw = Raw.connect()) {
            ApiVersionsResponseData current = apiVersions(raw).data();
            for (short version : new short[] {127, (short) (ApiKeys.API_VERSIONS.latestVersion() + 1), Short.MAX_VALUE}) {
                RequestHeader header = raw.nextHeader(ApiKeys.API_VERSIONS, version);
                assertEquals(2, header.headerVersion());
                // A newer client's body: the broker cannot know its layout and must not need to.
                ApiVersionsRequestData body = new ApiVersionsRequestData().setClientSoftwareName("future-client")
                    .setClientSoftwareVersion("99.0");
                raw.writeFrame(RequestUtils.serialize(header.data(), header.headerVersion(), body, (short) 3));
                ByteBuffer frame = raw.readFrame();
                ResponseHeader responseHeader = ResponseHeader.parse(frame, (short) 0);
                assertEquals(header.correlationId(), responseHeader.correlationId());
                ApiVersionsResponseData v0 = new ApiVersionsResponseData(new ByteBufferAccessor(frame), (short) 0);
                assertFalse(frame.hasRemaining(), "a v0 body with response header v0 uses the whole frame");
                assertEquals(Errors.UNSUPPORTED_VERSION.code(), v0.errorCode());
                ApiVersion self = v0.apiKeys().find(ApiKeys.API_VERSIONS.id);
                assertNotNull(self, "the answer carries at least ApiVersions' own range (KIP-511)");
                assertEquals(0, self.minVersion());
                assertEquals(ApiKeys.API_VERSIONS.latestVersion(), self.maxVersion());
                for (ApiVersion range : v0.apiKeys()) {
                    ApiVersion advertised = current.apiKeys().find(range.apiKey());
                    assertEquals(advertised, range, "the same range as a normal ApiVersions answer");
                }
                // The client now retries at a version the broker knows, on the same connection.
                assertEquals(Errors.NONE.code(), apiVersions(raw).data().errorCode());
            }
        }
    }

    // ---------------------------------------------------------------------------------------------
    // 8. Pipelining

    @Test
    void pipelinedRequestsAreAnsweredInRequestOrder() throws Exception {
        try (Raw raw = Raw.connect()) {
            ByteArrayOutputStream burst = new ByteArrayOutputStream();
            List<RequestHeader> headers = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                ApiKeys api = i % 2 == 0 ? ApiKeys.API_VERSIONS : ApiKeys.METADATA;
                ApiMessage body = i % 2 == 0 ? apiVersionsBody() : metadataFor(STEADY);
                RequestHeader header = raw.nextHeader(api, api.latestVersion());
                burst.writeBytes(frame(RequestUtils.serialize(header.data(), header.headerVersion(), body, api.latestVersion())));
                headers.add(header);
            }
            raw.writeRaw(burst.toByteArray());
            for (RequestHeader header : headers)
                assertEquals(Errors.NONE, singleError(raw.receive(header)));
        }
    }

    @Test
    void aSlowRequestHoldsBackTheAnswersToTheFastOnesBehindIt() throws Exception {
        String topic = "slow-fetch";
        admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get(30, TimeUnit.SECONDS);
        try (Raw raw = Raw.connect()) {
            short fetchVersion = 12;
            FetchRequestData fetch = fetch(topic, 0, 0).setMaxWaitMs(800).setMinBytes(1);
            List<RequestHeader> headers = new ArrayList<>();
            long sent = System.nanoTime();
            headers.add(raw.send(ApiKeys.FETCH, fetchVersion, fetch));
            for (int i = 0; i < 4; i++)
                headers.add(raw.send(ApiKeys.API_VERSIONS, ApiKeys.API_VERSIONS.latestVersion(), apiVersionsBody()));
            FetchResponse first = raw.receive(headers.get(0));
            long waited = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - sent);
            assertEquals(Errors.NONE.code(), first.data().responses().get(0).partitions().get(0).errorCode());
            assertTrue(waited >= 700, "the fetch long-polled (" + waited + " ms)");
            for (RequestHeader header : headers.subList(1, headers.size()))
                raw.receive(header);
        }
    }

    @Test
    void manyMoreRequestsInFlightThanTheBrokerBuffersAreAllAnsweredInOrder() throws Exception {
        try (Raw raw = Raw.connect()) {
            ByteArrayOutputStream burst = new ByteArrayOutputStream();
            List<RequestHeader> headers = new ArrayList<>();
            for (int i = 0; i < 500; i++) {
                ApiKeys api = i % 3 == 0 ? ApiKeys.METADATA : ApiKeys.API_VERSIONS;
                ApiMessage body = api == ApiKeys.METADATA ? metadataFor(STEADY) : apiVersionsBody();
                RequestHeader header = raw.nextHeader(api, api.latestVersion());
                burst.writeBytes(frame(RequestUtils.serialize(header.data(), header.headerVersion(), body, api.latestVersion())));
                headers.add(header);
            }
            // Written from another thread: the broker may stop reading while its answers wait for us.
            Thread writer = new Thread(() -> {
                try {
                    raw.writeRaw(burst.toByteArray());
                } catch (IOException e) {
                    throw new RuntimeException(e);
                }
            });
            writer.start();
            for (RequestHeader header : headers)
                assertEquals(Errors.NONE, singleError(raw.receive(header)));
            writer.join(10_000);
        }
    }

    @Test
    void aClientThatNeverReadsItsAnswersIsHeldBackByTcpNotBufferedWithoutBound() throws Exception {
        // Kafka mutes a connection from the moment a request arrives until its response is sent,
        // so a client that writes and never reads fills the TCP buffers and then blocks. A broker
        // that keeps reading buffers every unsent response in its heap instead: one connection can
        // exhaust it. Requests of ~1 KiB (a long client id) asking for ~2 KiB answers (a topic's
        // configs); the broker's buffers are at most a few MiB, so 20,000 requests (20 MiB) cannot
        // all be written unless the broker has taken them in and holds about 40 MiB of answers.
        int cap = 20_000;
        String longClientId = "x".repeat(1000);
        DescribeConfigsRequestData describe = new DescribeConfigsRequestData().setResources(List.of(
            new DescribeConfigsRequestData.DescribeConfigsResource().setResourceType((byte) 2).setResourceName(STEADY)));
        short version = ApiKeys.DESCRIBE_CONFIGS.latestVersion();
        try (Raw raw = Raw.connect()) {
            raw.socket.setReceiveBufferSize(4096);
            RequestHeader first = new RequestHeader(ApiKeys.DESCRIBE_CONFIGS, version, longClientId, 1);
            byte[] request = frame(RequestUtils.serialize(first.data(), first.headerVersion(), describe, version));
            java.util.concurrent.atomic.AtomicInteger written = new java.util.concurrent.atomic.AtomicInteger();
            Thread writer = new Thread(() -> {
                try {
                    for (int i = 0; i < cap; i++) {
                        ByteBuffer.wrap(request).putInt(8, i + 1); // the correlation id
                        raw.out.write(request);
                        written.incrementAndGet();
                    }
                    raw.out.flush();
                } catch (IOException closed) {
                    // The broker may close a connection that does not read; that bounds it too.
                }
            }, "never-reading-client");
            writer.setDaemon(true);
            writer.start();
            int last = -1;
            long stableSince = System.nanoTime();
            while (writer.isAlive() && System.nanoTime() - stableSince < TimeUnit.SECONDS.toNanos(3)) {
                Thread.sleep(200);
                if (written.get() != last) {
                    last = written.get();
                    stableSince = System.nanoTime();
                }
            }
            int requests = written.get();
            raw.close();
            writer.join(10_000);
            assertTrue(requests < cap, "the broker took in all " + requests + " requests (" + requests * request.length / 1024
                + " KiB) from a client that read none of its answers: they all sit unsent in its memory");
        }
    }

    // ---------------------------------------------------------------------------------------------
    // 9. Corrupt record batches

    @Test
    void aBatchFailingItsCrcIsRejectedWithCorruptMessageAndNothingIsAppended() throws Exception {
        String topic = "corrupt";
        admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get(30, TimeUnit.SECONDS);
        try (Raw raw = Raw.connect()) {
            byte[] batch = batch(MemoryRecords.withRecords(Compression.NONE, new SimpleRecord(bytes("key"), bytes("value"))));
            byte[] flipped = batch.clone();
            flipped[flipped.length - 1] ^= 0x01; // the value's last byte
            for (short version : new short[] {ApiKeys.PRODUCE.latestVersion(), 3}) {
                ProduceResponse response = raw.receive(raw.send(ApiKeys.PRODUCE, version,
                    produce(topic, 0, (short) 1, records(flipped))));
                PartitionProduceResponse partition = partition(response);
                assertEquals(Errors.CORRUPT_MESSAGE.code(), partition.errorCode(), "Produce v" + version + ": " + partition);
            }
            assertEquals(0, endOffset(topic), "nothing appended");
            // The same connection then appends the intact batch.
            PartitionProduceResponse ok = partition(raw.receive(raw.send(ApiKeys.PRODUCE, ApiKeys.PRODUCE.latestVersion(),
                produce(topic, 0, (short) 1, records(batch)))));
            assertEquals(Errors.NONE.code(), ok.errorCode(), ok.toString());
            assertEquals(0, ok.baseOffset());
        }
        assertEquals(1, endOffset(topic));
    }

    @Test
    void theCrcIsCheckedBeforeAnyOtherFieldOfTheBatch() throws Exception {
        // Kafka checks the CRC (UnifiedLog.analyzeAndValidateRecords) before LogValidator and the
        // producer-state checks, so a bit flipped anywhere under the CRC is CORRUPT_MESSAGE -- which
        // the producer retries, unlike INVALID_RECORD or a sequence error.
        String topic = "corrupt-header";
        admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get(30, TimeUnit.SECONDS);
        Map<String, byte[]> corrupted = new java.util.LinkedHashMap<>();
        byte[] plain = batch(MemoryRecords.withRecords(Compression.NONE, new SimpleRecord(bytes("v"))));
        byte[] control = plain.clone();
        control[ATTRIBUTES_OFFSET + 1] |= 0x20; // the control-batch bit, CRC left as it was
        corrupted.put("control bit flipped", control);
        byte[] idempotent = batch(MemoryRecords.withIdempotentRecords(Compression.NONE, 4242L, (short) 0, 0,
            new SimpleRecord(bytes("v"))));
        byte[] negativeSequence = idempotent.clone();
        negativeSequence[BASE_SEQUENCE_OFFSET] = (byte) 0x80; // base sequence < 0, CRC left as it was
        corrupted.put("sequence flipped negative", negativeSequence);
        List<String> wrong = new ArrayList<>();
        try (Raw raw = Raw.connect()) {
            for (Map.Entry<String, byte[]> c : corrupted.entrySet()) {
                PartitionProduceResponse partition = partition(raw.receive(raw.send(ApiKeys.PRODUCE,
                    ApiKeys.PRODUCE.latestVersion(), produce(topic, 0, (short) 1, records(c.getValue())))));
                if (partition.errorCode() != Errors.CORRUPT_MESSAGE.code())
                    wrong.add(c.getKey() + ": " + Errors.forCode(partition.errorCode()) + " " + partition.errorMessage());
            }
        }
        assertTrue(wrong.isEmpty(), "expected CORRUPT_MESSAGE for every batch failing its CRC:\n" + String.join("\n", wrong));
        assertEquals(0, endOffset(topic), "nothing appended");
    }

    @Test
    void aCorruptRetryOfAnAppendedIdempotentBatchIsCorruptNotADuplicate() throws Exception {
        String topic = "corrupt-retry";
        admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get(30, TimeUnit.SECONDS);
        byte[] batch = batch(MemoryRecords.withIdempotentRecords(Compression.NONE, 777L, (short) 0, 0,
            new SimpleRecord(bytes("k"), bytes("original"))));
        byte[] corrupt = batch.clone();
        corrupt[corrupt.length - 1] ^= 0x7f;
        try (Raw raw = Raw.connect()) {
            PartitionProduceResponse first = partition(raw.receive(raw.send(ApiKeys.PRODUCE,
                ApiKeys.PRODUCE.latestVersion(), produce(topic, 0, (short) -1, records(batch)))));
            assertEquals(Errors.NONE.code(), first.errorCode(), first.toString());
            PartitionProduceResponse retry = partition(raw.receive(raw.send(ApiKeys.PRODUCE,
                ApiKeys.PRODUCE.latestVersion(), produce(topic, 0, (short) -1, records(corrupt)))));
            assertEquals(Errors.CORRUPT_MESSAGE.code(), retry.errorCode(),
                "a retry whose bytes fail the CRC is not the batch that was appended: " + retry);
        }
        assertEquals(1, endOffset(topic));
    }

    @Test
    void aBatchWithAValidCrcButMalformedRecordsIsRejected() throws Exception {
        // Kafka's LogValidator walks the records of an uncompressed batch (DefaultRecord.readFrom and
        // the declared-count check) and refuses what does not parse; the CRC only protects bytes in
        // transit. Appending it would hand every consumer of the partition a batch it cannot read.
        String topic = "malformed-records";
        admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get(30, TimeUnit.SECONDS);
        Map<String, byte[]> malformed = new java.util.LinkedHashMap<>();
        byte[] one = batch(MemoryRecords.withRecords(Compression.NONE, new SimpleRecord(bytes("k"), bytes("value"))));
        byte[] badLength = one.clone();
        badLength[RECORDS_OFFSET] = 0x7e; // record length varint 63: far past the end of the batch
        malformed.put("record length past the batch end", withCrc(badLength));
        byte[] two = batch(MemoryRecords.withRecords(Compression.NONE, new SimpleRecord(bytes("a")), new SimpleRecord(bytes("b"))));
        byte[] countOne = two.clone();
        // Two records inside, but record count 1 and last offset delta 0.
        ByteBuffer.wrap(countOne).putInt(LAST_OFFSET_DELTA_OFFSET, 0).putInt(RECORDS_COUNT_OFFSET, 1);
        malformed.put("more records than declared", withCrc(countOne));
        List<String> wrong = new ArrayList<>();
        try (Raw raw = Raw.connect()) {
            for (Map.Entry<String, byte[]> c : malformed.entrySet()) {
                PartitionProduceResponse partition = partition(raw.receive(raw.send(ApiKeys.PRODUCE,
                    ApiKeys.PRODUCE.latestVersion(), produce(topic, 0, (short) 1, records(c.getValue())))));
                if (partition.errorCode() != Errors.INVALID_RECORD.code() && partition.errorCode() != Errors.CORRUPT_MESSAGE.code())
                    wrong.add(c.getKey() + ": " + partition);
            }
        }
        assertTrue(wrong.isEmpty(), "expected INVALID_RECORD (87) or CORRUPT_MESSAGE (2):\n" + String.join("\n", wrong));
        assertEquals(0, endOffset(topic), "nothing appended");
    }

    // ---------------------------------------------------------------------------------------------
    // 10. acks=0 and other acks

    @Test
    void anAcksZeroProduceIsNotAnsweredButAppendsAndTheNextRequestIsAnsweredInOrder() throws Exception {
        String topic = "acks-zero";
        admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get(30, TimeUnit.SECONDS);
        try (Raw raw = Raw.connect()) {
            for (int i = 0; i < 3; i++) {
                raw.send(ApiKeys.PRODUCE, ApiKeys.PRODUCE.latestVersion(), produce(topic, 0, (short) 0,
                    MemoryRecords.withRecords(Compression.NONE, new SimpleRecord(bytes("fire and forget " + i)))));
            }
            RequestHeader metadata = raw.send(ApiKeys.METADATA, ApiKeys.METADATA.latestVersion(), metadataFor(topic));
            // receive() checks the correlation id: the first frame back answers the Metadata request.
            assertEquals(Errors.NONE, singleError(raw.receive(metadata)));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (endOffset(topic) < 3 && System.nanoTime() < deadline)
                Thread.sleep(50);
            assertEquals(3, endOffset(topic));
            // Still in order afterwards.
            apiVersions(raw);
        }
    }

    @Test
    void anAcksZeroProduceThatFailsClosesTheConnectionAsKafkaDoes() throws Exception {
        // KafkaApis.handleProduceRequest: with acks=0 and any partition error, the broker closes the
        // connection ("Closing connection due to error during produce request ... with ack=0") so the
        // producer notices and refreshes its metadata instead of silently losing every record.
        try (Raw raw = Raw.connect()) {
            raw.send(ApiKeys.PRODUCE, ApiKeys.PRODUCE.latestVersion(), produce("no-such-topic", 0, (short) 0,
                MemoryRecords.withRecords(Compression.NONE, new SimpleRecord(bytes("lost")))));
            assertClosedByBroker(raw, "an acks=0 produce to an unknown topic");
        }
    }

    @Test
    void anInvalidAcksValueIsRejectedWithInvalidRequiredAcks() throws Exception {
        // ReplicaManager.appendRecords: acks outside {-1, 0, 1} appends nothing and answers
        // INVALID_REQUIRED_ACKS (21) for every partition.
        String topic = "acks-invalid";
        admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get(30, TimeUnit.SECONDS);
        try (Raw raw = Raw.connect()) {
            List<String> wrong = new ArrayList<>();
            for (short acks : new short[] {2, -2, Short.MAX_VALUE}) {
                PartitionProduceResponse partition = partition(raw.receive(raw.send(ApiKeys.PRODUCE,
                    ApiKeys.PRODUCE.latestVersion(), produce(topic, 0, acks,
                        MemoryRecords.withRecords(Compression.NONE, new SimpleRecord(bytes("acks " + acks)))))));
                if (partition.errorCode() != Errors.INVALID_REQUIRED_ACKS.code())
                    wrong.add("acks=" + acks + ": " + partition);
            }
            assertTrue(wrong.isEmpty(), "expected INVALID_REQUIRED_ACKS (21):\n" + String.join("\n", wrong));
        }
        assertEquals(0, endOffset(topic), "nothing appended");
    }

    // ---------------------------------------------------------------------------------------------
    // 11. Names and offsets that do not exist

    @Test
    void createTopicsWithInvalidNamesAnswersInvalidTopicExceptionPerTopicWithAMessage() throws Exception {
        List<String> invalid = List.of("bad name!", ".", "..", "x".repeat(250), "", "tab\there", "ünïcode");
        try (Raw raw = Raw.connect()) {
            for (short version : new short[] {ApiKeys.CREATE_TOPICS.latestVersion(), 1}) {
                CreateTopicsRequestData request = createTopics(invalid.toArray(new String[0]));
                CreateTopicsResponse response = raw.receive(raw.send(ApiKeys.CREATE_TOPICS, version, request));
                assertEquals(invalid.size(), response.data().topics().size());
                for (String name : invalid) {
                    CreatableTopicResult result = response.data().topics().find(name);
                    assertNotNull(result, "a result for '" + name + "'");
                    assertEquals(Errors.INVALID_TOPIC_EXCEPTION.code(), result.errorCode(), "'" + name + "': " + result);
                    assertNotNull(result.errorMessage(), "'" + name + "' has a message");
                    assertFalse(result.errorMessage().isBlank());
                }
            }
            // 249 characters is the longest legal name.
            String longest = "y".repeat(249);
            CreateTopicsResponse ok = raw.receive(raw.send(ApiKeys.CREATE_TOPICS, ApiKeys.CREATE_TOPICS.latestVersion(),
                createTopics(longest).setValidateOnly(true)));
            assertEquals(Errors.NONE.code(), ok.data().topics().find(longest).errorCode());
        }
        assertFalse(admin.listTopics().names().get(20, TimeUnit.SECONDS).stream().anyMatch(n -> n.startsWith("y")));
    }

    @Test
    void aTopicNameCollidingWithAnExistingOneThroughDotAndUnderscoreIsInvalid() throws Exception {
        admin.createTopics(List.of(new NewTopic("collide.me", 1, (short) 1))).all().get(30, TimeUnit.SECONDS);
        try (Raw raw = Raw.connect()) {
            CreateTopicsResponse response = raw.receive(raw.send(ApiKeys.CREATE_TOPICS,
                ApiKeys.CREATE_TOPICS.latestVersion(), createTopics("collide_me")));
            CreatableTopicResult result = response.data().topics().find("collide_me");
            assertEquals(Errors.INVALID_TOPIC_EXCEPTION.code(), result.errorCode(), result.toString());
            assertTrue(result.errorMessage().contains("collide.me"), result.errorMessage());
        }
    }

    @Test
    void produceToAnUnknownTopicOrPartitionAnswersUnknownTopicOrPartition() throws Exception {
        try (Raw raw = Raw.connect()) {
            for (short version : new short[] {ApiKeys.PRODUCE.latestVersion(), 3}) {
                for (Object[] target : new Object[][] {{"no-such-topic", 0}, {STEADY, 1}, {STEADY, -1}}) {
                    PartitionProduceResponse partition = partition(raw.receive(raw.send(ApiKeys.PRODUCE, version,
                        produce((String) target[0], (int) target[1], (short) 1,
                            MemoryRecords.withRecords(Compression.NONE, new SimpleRecord(bytes("nowhere")))))));
                    assertEquals(Errors.UNKNOWN_TOPIC_OR_PARTITION.code(), partition.errorCode(),
                        Arrays.toString(target) + " v" + version + ": " + partition);
                }
            }
        }
        assertEquals(steadyOffset, endOffset(STEADY), "nothing went to steady-0");
    }

    @Test
    void fetchOutsideTheLogAnswersOffsetOutOfRange() throws Exception {
        String topic = "fetch-range";
        admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get(30, TimeUnit.SECONDS);
        producer.send(new ProducerRecord<>(topic, 0, null, bytes("one"))).get(20, TimeUnit.SECONDS);
        try (Raw raw = Raw.connect()) {
            for (short version : new short[] {12, 4}) {
                for (long offset : new long[] {2, 1000, Long.MAX_VALUE, -5}) {
                    FetchResponse response = raw.receive(raw.send(ApiKeys.FETCH, version,
                        fetch(topic, 0, offset).setMaxWaitMs(100)));
                    FetchResponseData.PartitionData partition = response.data().responses().get(0).partitions().get(0);
                    assertEquals(Errors.OFFSET_OUT_OF_RANGE.code(), partition.errorCode(),
                        "fetch at " + offset + " v" + version + ": " + partition);
                }
                // The end itself is not out of range: an empty answer.
                FetchResponse atEnd = raw.receive(raw.send(ApiKeys.FETCH, version, fetch(topic, 0, 1).setMaxWaitMs(100)));
                assertEquals(Errors.NONE.code(), atEnd.data().responses().get(0).partitions().get(0).errorCode());
                FetchResponse unknown = raw.receive(raw.send(ApiKeys.FETCH, version, fetch("no-such-topic", 0, 0)));
                assertEquals(Errors.UNKNOWN_TOPIC_OR_PARTITION.code(),
                    unknown.data().responses().get(0).partitions().get(0).errorCode());
            }
        }
    }

    // ---------------------------------------------------------------------------------------------
    // A request the broker fails on must still be answered (or the connection closed), in order.

    @Test
    void aProduceWithNullRecordsIsAnsweredOrClosedAndDoesNotWedgeTheConnection() throws Exception {
        // Records are nullable in the Produce schema; a null parses fine, and then both the handler
        // and ProduceRequest.getErrorResponse (through partitionSizes) throw a NullPointerException.
        // Kafka 3.9.2 wedges too (KafkaApis.handleError -> ProduceRequest.toString -> NPE: the request
        // is never answered and the muted channel never reads again); Gregor's design wants better.
        assumeFalse(KAFKA, "Apache Kafka 3.9.2 wedges the connection here as well");
        ProduceRequestData nullRecords = produce(STEADY, 0, (short) 1, null);
        List<String> stalls = new ArrayList<>();
        for (short version : new short[] {ApiKeys.PRODUCE.latestVersion(), 3, 2}) {
            try (Raw raw = Raw.connect()) {
                RequestHeader produce = raw.send(ApiKeys.PRODUCE, version, nullRecords);
                RequestHeader probe = raw.send(ApiKeys.API_VERSIONS, ApiKeys.API_VERSIONS.latestVersion(), apiVersionsBody());
                Outcome outcome = raw.answeredOrClosed(produce, probe);
                if (outcome == Outcome.STALLED)
                    stalls.add("Produce v" + version);
                else if (outcome == Outcome.CLOSED)
                    assertWarned(raw);
            }
        }
        assertTrue(stalls.isEmpty(), "neither answered nor closed within 10 s, later requests on the connection "
            + "never answered: " + stalls);
        assertEquals(steadyOffset, endOffset(STEADY), "nothing appended");
    }

    // ---------------------------------------------------------------------------------------------
    // Beyond the list: mutated requests of every read-only API are answered or closed, never stall.

    @Test
    void mutatedReadOnlyRequestsAreAnsweredOrClosedWithAReasonButNeverStallTheConnection() throws Exception {
        fuzz(new Random(7), List.of(
            new Object[] {ApiKeys.API_VERSIONS, new ApiVersionsRequestData().setClientSoftwareName("fuzz")
                .setClientSoftwareVersion("1.0")},
            new Object[] {ApiKeys.METADATA, metadataFor(STEADY, "corrupt", "fetch-range")},
            new Object[] {ApiKeys.LIST_OFFSETS, listOffsets(STEADY)},
            new Object[] {ApiKeys.DESCRIBE_CONFIGS, new DescribeConfigsRequestData().setResources(List.of(
                new DescribeConfigsRequestData.DescribeConfigsResource().setResourceType((byte) 2)
                    .setResourceName(STEADY)))},
            new Object[] {ApiKeys.DESCRIBE_CLUSTER, new DescribeClusterRequestData()},
            new Object[] {ApiKeys.OFFSET_FOR_LEADER_EPOCH, offsetForLeaderEpoch(STEADY)},
            new Object[] {ApiKeys.DESCRIBE_LOG_DIRS, new DescribeLogDirsRequestData().setTopics(
                new DescribeLogDirsRequestData.DescribableLogDirTopicCollection(List.of(
                    new DescribeLogDirsRequestData.DescribableLogDirTopic().setTopic(STEADY).setPartitions(List.of(0)))
                    .iterator()))},
            new Object[] {ApiKeys.INIT_PRODUCER_ID, new InitProducerIdRequestData().setTransactionalId(null)
                .setTransactionTimeoutMs(60_000).setProducerId(-1).setProducerEpoch((short) -1)}));
    }

    @Test
    void mutatedProduceRequestsAreAnsweredOrClosedWithAReasonButNeverStallTheConnection() throws Exception {
        admin.createTopics(List.of(new NewTopic("fuzz-target", 1, (short) 1))).all().get(30, TimeUnit.SECONDS);
        fuzz(new Random(11), List.<Object[]>of(new Object[] {ApiKeys.PRODUCE, produce("fuzz-target", 0, (short) 1,
            MemoryRecords.withRecords(Compression.NONE, new SimpleRecord(bytes("k"), bytes("fuzz"))))}));
    }

    /**
     * Sends each template at its newest and oldest version with one to three body bytes replaced,
     * then an ApiVersions probe: the broker must answer both in order or close with a warning.
     */
    private static void fuzz(Random random, List<Object[]> templates) throws Exception {
        int answered = 0;
        int closed = 0;
        List<String> stalls = new ArrayList<>();
        Raw raw = Raw.connect();
        try {
            for (Object[] template : templates) {
                ApiKeys api = (ApiKeys) template[0];
                ApiMessage body = (ApiMessage) template[1];
                for (short version : new short[] {api.latestVersion(), api.oldestVersion()}) {
                    for (int i = 0; i < FUZZ_ROUNDS; i++) {
                        RequestHeader header = raw.nextHeader(api, version);
                        ByteBuffer request;
                        try {
                            request = RequestUtils.serialize(header.data(), header.headerVersion(), body, version);
                        } catch (RuntimeException unsupportedAtThisVersion) {
                            break;
                        }
                        byte[] bytes = new byte[request.remaining()];
                        request.get(bytes);
                        int headerSize = header.size();
                        if (bytes.length == headerSize)
                            break;
                        int flips = 1 + random.nextInt(3);
                        for (int f = 0; f < flips; f++)
                            bytes[headerSize + random.nextInt(bytes.length - headerSize)] = (byte) random.nextInt(256);
                        raw.writeFrame(bytes);
                        RequestHeader probe = raw.send(ApiKeys.API_VERSIONS, (short) 3, apiVersionsBody());
                        String what = api + " v" + version + " mutated to " + hex(bytes, bytes.length);
                        Outcome outcome = raw.answeredOrClosed(header, probe);
                        if (outcome == Outcome.CLOSED) {
                            closed++;
                            if (!KAFKA)
                                assertNotNull(raw.awaitLog(Level.WARN, 3000),
                                    "closed without a warning after " + what);
                            raw.close();
                            raw = Raw.connect();
                        } else if (outcome == Outcome.STALLED) {
                            stalls.add(what);
                            raw.close();
                            raw = Raw.connect();
                        } else {
                            answered++;
                        }
                    }
                }
            }
        } finally {
            raw.close();
        }
        // Kafka 3.9.2 stalls on a Produce whose records decode as null (see the test above).
        if (!KAFKA)
            assertTrue(stalls.isEmpty(), stalls.size() + " requests got neither an answer nor a close within 10 s; "
                + "the first: " + stalls.subList(0, Math.min(3, stalls.size())));
        assertTrue(answered > 0 && closed > 0, "answered " + answered + ", closed " + closed);
    }

    // ---------------------------------------------------------------------------------------------
    // Helpers

    /** Offsets in a v2 record batch header (DefaultRecordBatch). */
    private static final int CRC_OFFSET = 17;
    private static final int ATTRIBUTES_OFFSET = 21;
    private static final int LAST_OFFSET_DELTA_OFFSET = 23;
    private static final int BASE_SEQUENCE_OFFSET = 53;
    private static final int RECORDS_COUNT_OFFSET = 57;
    private static final int RECORDS_OFFSET = 61;

    private static byte[] batch(MemoryRecords records) {
        ByteBuffer buffer = records.buffer().duplicate();
        byte[] bytes = new byte[buffer.remaining()];
        buffer.get(bytes);
        assertEquals(RecordBatch.MAGIC_VALUE_V2, bytes[16]);
        return bytes;
    }

    private static byte[] withCrc(byte[] batch) {
        long crc = Crc32C.compute(batch, ATTRIBUTES_OFFSET, batch.length - ATTRIBUTES_OFFSET);
        ByteBuffer.wrap(batch).putInt(CRC_OFFSET, (int) crc);
        return batch;
    }

    private static MemoryRecords records(byte[] batch) {
        return MemoryRecords.readableRecords(ByteBuffer.wrap(batch));
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static String hex(byte[] bytes, int max) {
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < Math.min(bytes.length, max); i++)
            s.append(String.format("%02x", bytes[i]));
        return bytes.length > max ? s + "..." : s.toString();
    }

    private static byte[] frame(ByteBuffer payload) {
        byte[] framed = new byte[4 + payload.remaining()];
        ByteBuffer.wrap(framed).putInt(payload.remaining()).put(payload);
        return framed;
    }

    private static ProduceRequestData produce(String topic, int partition, short acks, MemoryRecords records) {
        ProduceRequestData.TopicProduceDataCollection topics = new ProduceRequestData.TopicProduceDataCollection();
        topics.add(new ProduceRequestData.TopicProduceData().setName(topic).setPartitionData(List.of(
            new ProduceRequestData.PartitionProduceData().setIndex(partition).setRecords(records))));
        return new ProduceRequestData().setAcks(acks).setTimeoutMs(10_000).setTopicData(topics);
    }

    private static PartitionProduceResponse partition(ProduceResponse response) {
        assertEquals(1, response.data().responses().size(), response.toString());
        return response.data().responses().iterator().next().partitionResponses().get(0);
    }

    private static MetadataRequestData metadataFor(String... topics) {
        List<MetadataRequestData.MetadataRequestTopic> list = new ArrayList<>();
        for (String topic : topics)
            list.add(new MetadataRequestData.MetadataRequestTopic().setName(topic));
        return new MetadataRequestData().setTopics(list).setAllowAutoTopicCreation(false);
    }

    private static CreateTopicsRequestData createTopics(String... names) {
        CreatableTopicCollection topics = new CreatableTopicCollection();
        for (String name : names)
            topics.add(new CreatableTopic().setName(name).setNumPartitions(1).setReplicationFactor((short) 1));
        return new CreateTopicsRequestData().setTopics(topics).setTimeoutMs(10_000);
    }

    private static FetchRequestData fetch(String topic, int partition, long offset) {
        return new FetchRequestData().setReplicaId(-1).setMaxWaitMs(0).setMinBytes(0).setMaxBytes(1 << 20)
            .setIsolationLevel((byte) 0).setSessionId(0).setSessionEpoch(-1)
            .setTopics(List.of(new FetchRequestData.FetchTopic().setTopic(topic).setPartitions(List.of(
                new FetchRequestData.FetchPartition().setPartition(partition).setFetchOffset(offset)
                    .setPartitionMaxBytes(1 << 20).setCurrentLeaderEpoch(-1).setLogStartOffset(-1)))));
    }

    private static OffsetForLeaderEpochRequestData offsetForLeaderEpoch(String topic) {
        OffsetForLeaderEpochRequestData.OffsetForLeaderTopicCollection topics =
            new OffsetForLeaderEpochRequestData.OffsetForLeaderTopicCollection();
        topics.add(new OffsetForLeaderEpochRequestData.OffsetForLeaderTopic().setTopic(topic).setPartitions(List.of(
            new OffsetForLeaderEpochRequestData.OffsetForLeaderPartition().setPartition(0).setLeaderEpoch(0)
                .setCurrentLeaderEpoch(-1))));
        return new OffsetForLeaderEpochRequestData().setReplicaId(-1).setTopics(topics);
    }

    private static ListOffsetsRequestData listOffsets(String topic) {
        return new ListOffsetsRequestData().setReplicaId(-1).setTopics(List.of(
            new ListOffsetsRequestData.ListOffsetsTopic().setName(topic).setPartitions(List.of(
                new ListOffsetsRequestData.ListOffsetsPartition().setPartitionIndex(0).setTimestamp(-1)))));
    }

    private static ApiVersionsResponse apiVersions(Raw raw) throws IOException {
        ApiVersionsResponse response = raw.receive(raw.send(ApiKeys.API_VERSIONS, ApiKeys.API_VERSIONS.latestVersion(),
            apiVersionsBody()));
        assertEquals(Errors.NONE.code(), response.data().errorCode());
        return response;
    }

    /** What a client sends: from v3 on, a software name and version are required (else INVALID_REQUEST). */
    private static ApiVersionsRequestData apiVersionsBody() {
        return new ApiVersionsRequestData().setClientSoftwareName("bad-input-test").setClientSoftwareVersion("1.0");
    }

    /** The one error of a response that has a single top-level error (ApiVersions, Metadata of existing topics). */
    private static Errors singleError(AbstractResponse response) {
        Map<Errors, Integer> counts = new HashMap<>(response.errorCounts());
        if (counts.keySet().equals(java.util.Set.of(Errors.NONE)) || counts.isEmpty())
            return Errors.NONE;
        counts.remove(Errors.NONE);
        assertEquals(1, counts.size(), counts.toString());
        return counts.keySet().iterator().next();
    }

    private static long endOffset(String topic) throws Exception {
        TopicPartition tp = new TopicPartition(topic, 0);
        return admin.listOffsets(Map.of(tp, OffsetSpec.latest())).all().get(20, TimeUnit.SECONDS).get(tp).offset();
    }

    private static String connectionLines() {
        return brokerLog.events().stream().map(LogCapture::format).toList().toString();
    }

    /** A KafkaConnection line at {@code level} or above naming the client port of a connection. */
    private static Predicate<LogEvent> forConnection(int clientPort, Level level) {
        Pattern port = Pattern.compile(":" + clientPort + "(\\D|$)");
        return e -> e.getLevel().isMoreSpecificThan(level)
            && port.matcher(e.getMessage().getFormattedMessage()).find();
    }

    /**
     * Gregor logged a WARN line naming {@code raw}'s connection and containing every one of
     * {@code words}. Not checked against Kafka, whose lines differ (and are often DEBUG).
     */
    private static void assertWarned(Raw raw, String... words) throws InterruptedException {
        if (KAFKA)
            return;
        LogEvent warning = raw.awaitLog(Level.WARN, 5000);
        assertNotNull(warning, "no WARN line naming connection port " + raw.port() + "; KafkaConnection lines: "
            + connectionLines());
        String text = warning.getMessage().getFormattedMessage();
        for (String word : words)
            assertTrue(text.contains(word), "'" + word + "' not in: " + text);
    }

    private static void assertWarnedWithout(Raw raw, String words) throws InterruptedException {
        if (KAFKA)
            return;
        LogEvent warning = raw.awaitLog(Level.WARN, 5000);
        assertNotNull(warning);
        String text = warning.getMessage().getFormattedMessage();
        assertFalse(text.contains(words), "the warning names no reason: " + text);
    }

    private static void assertClosedByBroker(Raw raw, String after) throws IOException {
        assertTrue(raw.awaitClosedByBroker(5000), "the broker kept the connection open after " + after);
    }

    private enum Outcome { ANSWERED, CLOSED, STALLED }

    /** One client connection speaking the framing by hand. */
    private static final class Raw implements AutoCloseable {
        final Socket socket;
        final DataInputStream in;
        final DataOutputStream out;
        final int logMark;
        int nextCorrelationId = 1;

        private Raw(Socket socket, int logMark) throws IOException {
            this.socket = socket;
            this.logMark = logMark;
            this.in = new DataInputStream(socket.getInputStream());
            this.out = new DataOutputStream(socket.getOutputStream());
        }

        static Raw connect() throws IOException {
            // Ephemeral ports are reused: only log lines after this connection opened can be about it.
            int logMark = brokerLog == null ? 0 : brokerLog.mark();
            String[] hostPort = bootstrap.split(":");
            Socket socket = new Socket();
            socket.connect(new InetSocketAddress(hostPort[0], Integer.parseInt(hostPort[1])), 5000);
            socket.setTcpNoDelay(true);
            socket.setSoTimeout(15_000);
            return new Raw(socket, logMark);
        }

        int port() {
            return socket.getLocalPort();
        }

        LogEvent awaitLog(Level level, long timeoutMs) throws InterruptedException {
            return brokerLog.awaitAfter(logMark, forConnection(port(), level), timeoutMs);
        }

        RequestHeader nextHeader(ApiKeys api, short version) {
            return new RequestHeader(api, version, CLIENT_ID, nextCorrelationId++);
        }

        ByteBuffer serialize(ApiKeys api, short version, ApiMessage body, int correlationId) {
            RequestHeader header = new RequestHeader(api, version, CLIENT_ID, correlationId);
            return RequestUtils.serialize(header.data(), header.headerVersion(), body, version);
        }

        RequestHeader send(ApiKeys api, short version, ApiMessage body) throws IOException {
            RequestHeader header = nextHeader(api, version);
            writeFrame(RequestUtils.serialize(header.data(), header.headerVersion(), body, version));
            return header;
        }

        void writeFrame(ByteBuffer payload) throws IOException {
            writeRaw(frame(payload));
        }

        void writeFrame(byte[] payload) throws IOException {
            writeRaw(frame(ByteBuffer.wrap(payload)));
        }

        void writeRaw(byte[] bytes) throws IOException {
            out.write(bytes);
            out.flush();
        }

        ByteBuffer readFrame() throws IOException {
            int size = in.readInt();
            assertTrue(size >= 4 && size < 64 << 20, "response size " + size);
            byte[] bytes = new byte[size];
            in.readFully(bytes);
            return ByteBuffer.wrap(bytes);
        }

        /** Reads the next response, which must answer {@code header}, and parses it at its version. */
        @SuppressWarnings("unchecked")
        <T extends AbstractResponse> T receive(RequestHeader header) throws IOException {
            ByteBuffer frame = readFrame();
            ResponseHeader responseHeader = ResponseHeader.parse(frame,
                header.apiKey().responseHeaderVersion(header.apiVersion()));
            assertEquals(header.correlationId(), responseHeader.correlationId(),
                "the next response answers " + header.apiKey() + " (correlation id " + header.correlationId() + ")");
            AbstractResponse response = AbstractResponse.parseResponse(header.apiKey(), frame, header.apiVersion());
            assertFalse(frame.hasRemaining(), frame.remaining() + " bytes left after the " + header.apiKey() + " response");
            return (T) response;
        }

        /**
         * After a doubtful request and a probe behind it: either both (or, for a request that
         * asked for no answer, only the probe) are answered in order, or the broker closes.
         */
        Outcome answeredOrClosed(RequestHeader doubtful, RequestHeader probe) throws IOException {
            socket.setSoTimeout(10_000);
            try {
                ByteBuffer frame = readFrame();
                int first = frame.getInt(0);
                if (first == doubtful.correlationId())
                    frame = readFrame();
                assertEquals(probe.correlationId(), frame.getInt(0), "responses out of order");
                return Outcome.ANSWERED;
            } catch (EOFException | SocketException closed) {
                return Outcome.CLOSED;
            } catch (SocketTimeoutException stalled) {
                return Outcome.STALLED;
            } finally {
                socket.setSoTimeout(15_000);
            }
        }

        /** True if the broker closes (or resets) the connection within the timeout, with nothing sent first. */
        boolean awaitClosedByBroker(long timeoutMs) throws IOException {
            socket.setSoTimeout((int) timeoutMs);
            try {
                int b = in.read();
                if (b != -1)
                    fail("expected the connection closed, got data starting with byte " + b);
                return true;
            } catch (SocketException reset) {
                return true;
            } catch (SocketTimeoutException open) {
                return false;
            }
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }

    /** Apache Kafka 3.9.2 in ZooKeeper mode on an embedded ZooKeeper: the reference for these cases. */
    private static final class KafkaReference implements AutoCloseable {
        private final java.nio.file.Path dir;
        private final io.gregor.coordination.zk.EmbeddedZooKeeper zooKeeper;
        private final kafka.server.KafkaServer server;

        private KafkaReference(java.nio.file.Path dir, io.gregor.coordination.zk.EmbeddedZooKeeper zooKeeper,
                               kafka.server.KafkaServer server) {
            this.dir = dir;
            this.zooKeeper = zooKeeper;
            this.server = server;
        }

        static KafkaReference start(Map<String, String> overrides) throws IOException {
            java.nio.file.Path dir = java.nio.file.Files.createTempDirectory("kafka-reference");
            io.gregor.coordination.zk.EmbeddedZooKeeper zooKeeper =
                io.gregor.coordination.zk.EmbeddedZooKeeper.start(dir.resolve("zookeeper"), 0);
            Properties props = new Properties();
            props.put("zookeeper.connect", zooKeeper.connectString());
            props.put("broker.id", "0");
            props.put("listeners", "PLAINTEXT://127.0.0.1:0");
            props.put("log.dirs", dir.resolve("kafka-logs").toString());
            props.put("offsets.topic.replication.factor", "1");
            props.put("group.initial.rebalance.delay.ms", "0");
            props.putAll(overrides);
            kafka.server.KafkaServer server = new kafka.server.KafkaServer(kafka.server.KafkaConfig.fromProps(props),
                org.apache.kafka.common.utils.Time.SYSTEM, scala.Option.empty(), false);
            server.startup();
            return new KafkaReference(dir, zooKeeper, server);
        }

        String bootstrap() {
            return "127.0.0.1:" + server.boundPort(org.apache.kafka.common.network.ListenerName.normalised("PLAINTEXT"));
        }

        @Override
        public void close() throws IOException {
            server.shutdown();
            server.awaitShutdown();
            zooKeeper.close();
            try (java.util.stream.Stream<java.nio.file.Path> walk = java.nio.file.Files.walk(dir)) {
                for (java.nio.file.Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList())
                    java.nio.file.Files.deleteIfExists(p);
            }
        }
    }
}
