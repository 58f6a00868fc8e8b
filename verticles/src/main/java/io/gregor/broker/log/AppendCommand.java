package io.gregor.broker.log;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.ApiException;
import org.apache.kafka.common.protocol.Errors;

import io.gregor.metrics.TopicMetrics;
import io.gregor.storage.log.LogAppendInfo;
import io.vertx.core.Future;
import io.vertx.core.Promise;

/**
 * Appends produced batches as leader: the shard side of Produce. Idempotent producers' retries
 * are recognised here and answered with the offsets they got the first time. With acks=all the
 * answer waits until the ISR holds the batches (the high watermark passes them), at most
 * {@code timeoutMs}.
 */
public record AppendCommand(Map<TopicPartition, ByteBuffer> records, short acks, long timeoutMs)
        implements ShardCommand<Map<TopicPartition, AppendCommand.Result>> {

    /** Per partition: Kafka's error code, or the offsets and times the append got. */
    public record Result(Errors error, String message, long baseOffset, long lastOffset, long logAppendTime,
                         long logStartOffset) {
        public static Result failed(Errors error, String message) {
            return new Result(error, message, -1L, -1L, -1L, -1L);
        }

        /** The appended offsets with the replication outcome (Kafka still reports the offsets then). */
        Result withError(Errors replicationError) {
            return replicationError == Errors.NONE ? this
                : new Result(replicationError, null, baseOffset, lastOffset, logAppendTime, logStartOffset);
        }
    }

    @Override
    public Future<Map<TopicPartition, Result>> execute(LogShard shard) {
        Map<TopicPartition, Result> results = new HashMap<>(records.size() * 2);
        List<Future<?>> waiting = null;
        for (Map.Entry<TopicPartition, ByteBuffer> e : records.entrySet()) {
            TopicPartition tp = e.getKey();
            Result result = append(shard, tp, e.getValue());
            Partition partition = shard.partition(tp);
            if (acks != -1 || result.error() != Errors.NONE || partition == null) {
                results.put(tp, result);
                continue;
            }
            if (waiting == null)
                waiting = new ArrayList<>();
            waiting.add(awaitReplication(shard, partition, result).onSuccess(r -> results.put(tp, r)));
        }
        if (waiting == null)
            return Future.succeededFuture(results);
        return Future.join(waiting).map(results);
    }

    private Future<Result> awaitReplication(LogShard shard, Partition partition, Result appended) {
        Future<Errors> replicated = partition.awaitReplication(appended.lastOffset() + 1);
        if (replicated.isComplete())
            return Future.succeededFuture(appended.withError(replicated.result()));
        Promise<Result> done = Promise.promise();
        long timer = shard.getVertx().setTimer(Math.max(1, timeoutMs), t -> {
            partition.forget(replicated);
            done.tryComplete(appended.withError(Errors.REQUEST_TIMED_OUT));
        });
        replicated.onComplete(r -> {
            shard.getVertx().cancelTimer(timer);
            done.tryComplete(appended.withError(r.result()));
        });
        return done.future();
    }

    private Result append(LogShard shard, TopicPartition tp, ByteBuffer batches) {
        Partition partition = shard.partition(tp);
        if (partition == null)
            return Result.failed(Errors.NOT_LEADER_OR_FOLLOWER, "This broker does not lead " + tp);
        TopicMetrics metrics = partition.metrics();
        metrics.produceRequest();
        Result result = appendTo(partition, tp, batches);
        Errors error = result.error();
        if (error == Errors.MESSAGE_TOO_LARGE || error == Errors.RECORD_LIST_TOO_LARGE)
            metrics.bytesRejected(batches.remaining());
        else if (error != Errors.NONE && error != Errors.CORRUPT_MESSAGE && error != Errors.KAFKA_STORAGE_ERROR
                && error != Errors.NOT_LEADER_OR_FOLLOWER)
            metrics.failedProduce(); // as Kafka: unexpected errors, NOT_ENOUGH_REPLICAS, sequence errors
        return result;
    }

    private Result appendTo(Partition partition, TopicPartition tp, ByteBuffer batches) {
        if (acks == -1 && partition.isrSize() < partition.minInsyncReplicas())
            return Result.failed(Errors.NOT_ENOUGH_REPLICAS, "The size of the current ISR " + partition.isrSize()
                + " is insufficient to satisfy the min.isr requirement of " + partition.minInsyncReplicas()
                + " for partition " + tp);
        try {
            LogAppendInfo info = partition.log().appendAsLeader(batches, partition.leaderEpoch(), partition.producers());
            partition.metrics().appended(info.numMessages(), info.validBytes());
            partition.onAppended();
            return new Result(Errors.NONE, null, info.firstOffset(), info.lastOffset(), info.logAppendTime(),
                info.logStartOffset());
        } catch (ApiException e) {
            return Result.failed(Errors.forException(e), e.getMessage());
        } catch (RuntimeException e) {
            return Result.failed(PartitionErrors.of(e, "append to " + tp), null);
        }
    }
}
