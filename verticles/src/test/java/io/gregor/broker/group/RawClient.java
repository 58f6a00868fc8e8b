package io.gregor.broker.group;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.Deque;

import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.RequestHeader;

/**
 * A blocking Kafka protocol connection for requests no well-behaved client sends: requests are
 * encoded and responses decoded with kafka-clients' own classes, and may be pipelined.
 */
final class RawClient implements AutoCloseable {
    private final Socket socket;
    private final DataInputStream in;
    private final DataOutputStream out;
    private final Deque<RequestHeader> inFlight = new ArrayDeque<>();
    private int correlationId;

    RawClient(String bootstrap) throws IOException {
        String[] hostPort = bootstrap.split(":");
        socket = new Socket(hostPort[0], Integer.parseInt(hostPort[1]));
        socket.setSoTimeout(60_000);
        in = new DataInputStream(socket.getInputStream());
        out = new DataOutputStream(socket.getOutputStream());
    }

    /** Sends without waiting for the answer. */
    void send(AbstractRequest request) throws IOException {
        RequestHeader header = new RequestHeader(request.apiKey(), request.version(), "raw-client", ++correlationId);
        ByteBuffer frame = request.serializeWithHeader(header);
        byte[] bytes = new byte[frame.remaining()];
        frame.get(bytes);
        out.writeInt(bytes.length);
        out.write(bytes);
        out.flush();
        inFlight.add(header);
    }

    /** The answer to the oldest request in flight. */
    @SuppressWarnings("unchecked")
    <R extends AbstractResponse> R receive() throws IOException {
        RequestHeader header = inFlight.poll();
        byte[] bytes = new byte[in.readInt()];
        in.readFully(bytes);
        return (R) AbstractResponse.parseResponse(ByteBuffer.wrap(bytes), header);
    }

    <R extends AbstractResponse> R call(AbstractRequest request) throws IOException {
        send(request);
        return receive();
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
