package io.gregor.broker.network;

import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.Map;

import org.apache.kafka.common.errors.UnsupportedVersionException;
import org.apache.kafka.common.message.ApiVersionsResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.RequestHeader;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.gregor.metrics.BrokerMetrics;
import io.gregor.metrics.RequestMetrics;
import io.netty.buffer.ByteBuf;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.internal.buffer.BufferInternal;
import io.vertx.core.net.NetSocket;
import io.vertx.core.parsetools.RecordParser;

/**
 * One client connection: Kafka's size-prefixed frames in, responses out in request order.
 *
 * <p>Clients pipeline up to {@code max.in.flight.requests.per.connection} requests and match
 * responses by order, so requests are handled concurrently but answered strictly in sequence;
 * a produce with acks=0 takes its turn without writing anything. Anything that cannot be parsed
 * closes the connection, always with a log line saying why.
 */
final class KafkaConnection {
    private static final Logger log = LoggerFactory.getLogger(KafkaConnection.class);
    private static final int SIZE_PREFIX = 4;
    /** Smallest request header: api key, api version, correlation id. */
    private static final int MIN_REQUEST = 8;
    private static final int MAX_IN_FLIGHT = 64;

    private final NetSocket socket;
    private final ApiRegistry apis;
    private final int maxRequestBytes;
    private final BrokerMetrics metrics;
    private final String connectionId;
    private final String clientHost;
    private final RecordParser parser;
    private final Map<Long, Reply> completed = new HashMap<>();
    private long nextSequence;
    private long nextToWrite;
    private boolean expectingSize = true;
    private boolean closed;
    private boolean paused;
    private boolean draining;
    private boolean writeBlocked;

    /** A finished request waiting for its turn; a null frame means "no response". */
    private record Reply(ByteBuf frame, RequestContext context) {
    }

    KafkaConnection(NetSocket socket, ApiRegistry apis, int maxRequestBytes, BrokerMetrics metrics) {
        this.metrics = metrics;
        this.socket = socket;
        this.apis = apis;
        this.maxRequestBytes = maxRequestBytes;
        this.clientHost = socket.remoteAddress().host();
        this.connectionId = socket.localAddress() + "-" + socket.remoteAddress();
        this.parser = RecordParser.newFixed(SIZE_PREFIX, this::onChunk);
        socket.handler(parser);
        socket.closeHandler(v -> onClosed());
        socket.shutdownHandler(v -> drain());
        socket.exceptionHandler(e -> log.debug("Connection {} failed: {}", connectionId, e.toString()));
    }

    private void onChunk(Buffer chunk) {
        if (closed)
            return;
        if (expectingSize) {
            int size = chunk.getInt(0);
            if (size < MIN_REQUEST || size > maxRequestBytes) {
                String reason = size > maxRequestBytes
                    ? "request of " + size + " bytes exceeds socket.request.max.bytes (" + maxRequestBytes + ")"
                    : "request size " + size + " is too small for a request header";
                closeWithReason(reason);
                return;
            }
            expectingSize = false;
            parser.fixedSizeMode(size);
        } else {
            expectingSize = true;
            parser.fixedSizeMode(SIZE_PREFIX);
            onRequest(((BufferInternal) chunk).getByteBuf().nioBuffer());
        }
    }

    private void onRequest(ByteBuffer frame) {
        long received = System.nanoTime();
        RequestHeader header;
        try {
            header = RequestHeader.parse(frame);
        } catch (RuntimeException e) {
            closeWithReason("cannot parse the request header: " + e);
            return;
        }
        ApiKeys api = header.apiKey();
        short version = header.apiVersion();
        RequestContext context = new RequestContext(header, clientHost, connectionId, received);
        context.metrics(metrics.request(api.name), api == ApiKeys.FETCH ? metrics.request(RequestMetrics.FETCH_CONSUMER) : null);
        long sequence = nextSequence++;
        if (!api.isVersionSupported(version)) {
            if (api == ApiKeys.API_VERSIONS) {
                // Kafka's rule: a client newer than the broker gets the broker's ranges at v0.
                ApiVersionsResponseData data = apis.apiVersions().setErrorCode(Errors.UNSUPPORTED_VERSION.code());
                context.error(Errors.UNSUPPORTED_VERSION);
                complete(sequence, context, encode(header.correlationId(), (short) 0, data, (short) 0));
            } else {
                closeWithReason(api + " v" + version + " is newer than this broker can parse");
            }
            return;
        }
        AbstractRequest request;
        try {
            request = AbstractRequest.parseRequest(api, version, frame).request;
        } catch (RuntimeException e) {
            closeWithReason("cannot parse " + api + " v" + version + " request (correlation id "
                + header.correlationId() + "): " + e);
            return;
        }
        ApiHandler handler = apis.handler(api, version);
        Future<ApiMessage> response;
        if (handler == null) {
            log.info("Answering {} v{} from {} with UNSUPPORTED_VERSION: not served on this listener",
                api, version, connectionId);
            response = Future.failedFuture(new UnsupportedVersionException(api + " v" + version + " is not supported"));
        } else {
            try {
                response = handler.handle(context, request);
            } catch (RuntimeException e) {
                response = Future.failedFuture(e);
            }
        }
        if (inFlightCount() > MAX_IN_FLIGHT && !paused) {
            paused = true;
            socket.pause();
        }
        response.onComplete(result -> {
            if (result.failed() && result.cause() instanceof CloseConnectionException close) {
                context.released();
                closeWithReason(close.getMessage());
                return;
            }
            // Every later response waits for this one, so a request that cannot be answered closes the connection.
            ApiMessage body;
            try {
                body = result.succeeded() ? result.result() : errorResponse(context, request, result.cause());
            } catch (RuntimeException e) {
                context.released();
                closeWithReason("cannot build an error response to a malformed " + api + " v" + version + " request: " + e);
                return;
            }
            ByteBuf encoded;
            try {
                encoded = body == null ? null
                    : encode(header.correlationId(), api.responseHeaderVersion(version), body, version);
            } catch (RuntimeException e) {
                log.error("Cannot encode the {} v{} response for {}", api, version, connectionId, e);
                context.released();
                closeWithReason("cannot encode the " + api + " v" + version + " response: " + e);
                return;
            }
            complete(sequence, context, encoded);
        });
    }

    private ApiMessage errorResponse(RequestContext context, AbstractRequest request, Throwable cause) {
        if (!(cause instanceof UnsupportedVersionException))
            log.error("Unexpected failure handling {} from {}", request.apiKey(), connectionId, cause);
        context.error(Errors.forException(cause));
        return request.getErrorResponse(cause).data();
    }

    private int inFlightCount() {
        return (int) (nextSequence - nextToWrite);
    }

    private static ByteBuf encode(int correlationId, short headerVersion, ApiMessage body, short version) {
        return ResponseEncoder.encode(correlationId, headerVersion, body, version);
    }

    private void complete(long sequence, RequestContext context, ByteBuf frame) {
        completed.put(sequence, new Reply(frame, context));
        Reply next;
        while ((next = completed.remove(nextToWrite)) != null) {
            nextToWrite++;
            write(next);
        }
        if (draining) {
            if (inFlightCount() == 0)
                socket.close();
        } else if (paused && inFlightCount() < MAX_IN_FLIGHT / 2) {
            paused = false;
            if (!writeBlocked)
                socket.resume();
        }
    }

    /**
     * Controlled shutdown: read no more requests, answer the ones already received, then close,
     * so no client loses a response it was owed.
     */
    private void drain() {
        draining = true;
        socket.pause();
        if (inFlightCount() == 0)
            socket.close();
    }

    private void write(Reply reply) {
        if (reply.frame() == null || closed) {
            if (reply.frame() != null)
                reply.frame().release();
            reply.context().released();
            reply.context().completed();
            return;
        }
        socket.write(BufferInternal.buffer(reply.frame())).onComplete(done -> {
            reply.context().released();
            reply.context().completed();
        });
        if (socket.writeQueueFull() && !writeBlocked) {
            // A client that does not read its answers is held back by TCP, as Kafka does, instead
            // of having them buffered here without bound.
            writeBlocked = true;
            socket.pause();
            socket.drainHandler(v -> {
                writeBlocked = false;
                if (!paused && !draining)
                    socket.resume();
            });
        }
    }

    private void onClosed() {
        if (!closed) {
            log.debug("Connection {} closed by the client{}", connectionId,
                expectingSize ? "" : " in the middle of a request");
        }
        closed = true;
    }

    private void closeWithReason(String reason) {
        log.warn("Closing connection {}: {}", connectionId, reason);
        closed = true;
        socket.close();
    }
}
