package io.gregor.broker.network;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;

import org.apache.kafka.common.network.Send;
import org.apache.kafka.common.network.TransferableChannel;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.SendBuilder;
import org.apache.kafka.common.requests.ResponseHeader;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;

/**
 * Turns a response into the bytes of one frame (size, header, body) without copying record
 * data: kafka-clients' {@link SendBuilder} lays the message out as a list of buffers in which the
 * records of a fetch are the log's own mapped slices, and this collects them as-is into one
 * composite Netty buffer.
 */
public final class ResponseEncoder {
    private ResponseEncoder() {
    }

    public static ByteBuf encode(int correlationId, short headerVersion, ApiMessage body, short version) {
        Send send = SendBuilder.buildResponseSend(new ResponseHeader(correlationId, headerVersion), body, version);
        Collector collector = new Collector();
        try {
            while (!send.completed())
                send.writeTo(collector);
        } catch (IOException e) {
            collector.composite.release();
            throw new IllegalStateException("encoding a response into memory cannot fail", e);
        }
        return collector.composite;
    }

    /** A channel that keeps references to the buffers it is given instead of writing them. */
    private static final class Collector implements TransferableChannel {
        final CompositeByteBuf composite = PooledByteBufAllocator.DEFAULT.compositeDirectBuffer(Integer.MAX_VALUE);

        @Override
        public long write(ByteBuffer[] srcs, int offset, int length) {
            long written = 0;
            for (int i = offset; i < offset + length; i++)
                written += write(srcs[i]);
            return written;
        }

        @Override
        public long write(ByteBuffer[] srcs) {
            return write(srcs, 0, srcs.length);
        }

        /**
         * Record data (mapped, direct) is wrapped as it is; the small heap parts (sizes, header,
         * fields) are copied to direct memory. A composite with any heap part is not direct, and
         * Netty would then merge the whole response, records included, into new buffers.
         */
        @Override
        public int write(ByteBuffer src) {
            int n = src.remaining();
            if (n > 0) {
                ByteBuf part = src.isDirect() ? Unpooled.wrappedBuffer(src.slice())
                    : PooledByteBufAllocator.DEFAULT.directBuffer(n).writeBytes(src.slice());
                composite.addComponent(true, part);
                src.position(src.limit());
            }
            return n;
        }

        @Override
        public boolean hasPendingWrites() {
            return false;
        }

        @Override
        public long transferFrom(FileChannel fileChannel, long position, long count) {
            throw new UnsupportedOperationException("responses carry mapped records, not file regions");
        }

        @Override
        public boolean isOpen() {
            return true;
        }

        @Override
        public void close() {
        }
    }
}
