package io.gregor.broker.log;

import java.util.HashMap;
import java.util.Map;

import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.ApiException;
import org.apache.kafka.common.protocol.Errors;

import io.gregor.storage.log.Log;
import io.gregor.storage.log.TimestampOffset;
import io.vertx.core.Future;

/**
 * ListOffsets: earliest, latest, max timestamp or first offset at a timestamp. Consumers see
 * the high watermark as "latest", never uncommitted data.
 */
public record ListOffsetsCommand(Map<TopicPartition, Long> timestamps)
        implements ShardCommand<Map<TopicPartition, ListOffsetsCommand.Result>> {

    /** {@code found} is null when no record qualifies (Kafka answers offset -1 then). */
    public record Result(Errors error, TimestampOffset found) {
    }

    @Override
    public Future<Map<TopicPartition, Result>> execute(LogShard shard) {
        Map<TopicPartition, Result> results = new HashMap<>();
        timestamps.forEach((tp, timestamp) -> results.put(tp, lookup(shard, tp, timestamp)));
        return Future.succeededFuture(results);
    }

    private static Result lookup(LogShard shard, TopicPartition tp, long timestamp) {
        Partition partition = shard.partition(tp);
        if (partition == null)
            return new Result(Errors.NOT_LEADER_OR_FOLLOWER, null);
        Log log = partition.log();
        try {
            if (timestamp == Log.LATEST_TIMESTAMP)
                return new Result(Errors.NONE, new TimestampOffset(-1L, log.highWatermark(), partition.leaderEpoch()));
            TimestampOffset found = log.fetchOffsetByTimestamp(timestamp);
            if (found != null && found.offset() >= log.highWatermark() && timestamp >= 0)
                found = null;
            return new Result(Errors.NONE, found);
        } catch (IllegalArgumentException e) {
            return new Result(Errors.INVALID_REQUEST, null);
        } catch (ApiException e) {
            return new Result(Errors.forException(e), null);
        } catch (RuntimeException e) {
            return new Result(PartitionErrors.of(e, "list offsets of " + tp), null);
        }
    }
}
