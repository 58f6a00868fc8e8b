package io.gregor.broker.log;

import java.util.HashMap;
import java.util.Map;

import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.ApiException;
import org.apache.kafka.common.protocol.Errors;

import io.gregor.storage.log.Log;
import io.vertx.core.Future;

/** DeleteRecords: moves each log start offset up; -1 means "up to the high watermark", as in Kafka. */
public record DeleteRecordsCommand(Map<TopicPartition, Long> offsets)
        implements ShardCommand<Map<TopicPartition, DeleteRecordsCommand.Result>> {

    public record Result(Errors error, long lowWatermark) {
    }

    @Override
    public Future<Map<TopicPartition, Result>> execute(LogShard shard) {
        Map<TopicPartition, Result> results = new HashMap<>();
        offsets.forEach((tp, offset) -> {
            Partition partition = shard.partition(tp);
            if (partition == null) {
                results.put(tp, new Result(Errors.NOT_LEADER_OR_FOLLOWER, -1L));
                return;
            }
            Log log = partition.log();
            try {
                long target = offset == -1L ? log.highWatermark() : offset;
                if (target < 0) {
                    results.put(tp, new Result(Errors.OFFSET_OUT_OF_RANGE, -1L));
                    return;
                }
                results.put(tp, new Result(Errors.NONE, log.deleteRecordsBefore(target)));
                log.deleteOldSegments();
            } catch (ApiException e) {
                results.put(tp, new Result(Errors.forException(e), -1L));
            } catch (RuntimeException e) {
                results.put(tp, new Result(PartitionErrors.of(e, "delete records of " + tp), -1L));
            }
        });
        return Future.succeededFuture(results);
    }
}
