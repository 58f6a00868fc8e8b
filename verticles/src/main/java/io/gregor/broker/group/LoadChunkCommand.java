package io.gregor.broker.group;

import java.nio.ByteBuffer;

import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.ApiException;
import org.apache.kafka.common.protocol.Errors;

import io.gregor.broker.log.LogShard;
import io.gregor.broker.log.Partition;
import io.gregor.broker.log.ShardCommand;
import io.gregor.storage.log.FetchDataInfo;
import io.gregor.storage.log.Log;
import io.gregor.storage.log.LogSlice;
import io.vertx.core.Future;

/**
 * Reads up to {@code maxBytes} of an offsets partition for the coordinator's load, from
 * {@code fromOffset} (or the log start when negative) up to the high watermark. The bytes are
 * copied so the coordinator can decode them on its own thread without holding the mapping.
 */
record LoadChunkCommand(TopicPartition tp, long fromOffset, int maxBytes) implements ShardCommand<LoadChunkCommand.Result> {

    /** The batches read (empty at the high watermark), where reading started, and the high watermark. */
    record Result(Errors error, ByteBuffer records, long readFrom, long highWatermark) {
    }

    @Override
    public Future<Result> execute(LogShard shard) {
        Partition partition = shard.partition(tp);
        if (partition == null)
            return Future.succeededFuture(new Result(Errors.NOT_LEADER_OR_FOLLOWER, ByteBuffer.allocate(0), -1, -1));
        Log log = partition.log();
        long highWatermark = log.highWatermark();
        long from = Math.max(fromOffset, log.logStartOffset());
        if (from >= highWatermark)
            return Future.succeededFuture(new Result(Errors.NONE, ByteBuffer.allocate(0), from, highWatermark));
        try {
            FetchDataInfo info = log.read(from, maxBytes, highWatermark, true);
            try (LogSlice slice = info.records()) {
                ByteBuffer source = slice.records();
                ByteBuffer copy = ByteBuffer.allocate(source.remaining());
                copy.put(source).flip();
                return Future.succeededFuture(new Result(Errors.NONE, copy, from, highWatermark));
            }
        } catch (ApiException e) {
            return Future.succeededFuture(new Result(Errors.forException(e), ByteBuffer.allocate(0), from, highWatermark));
        }
    }
}
