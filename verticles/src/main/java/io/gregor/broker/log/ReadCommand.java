package io.gregor.broker.log;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.ApiException;
import org.apache.kafka.common.protocol.Errors;

import io.gregor.storage.log.FetchDataInfo;
import io.gregor.storage.log.Log;
import io.gregor.storage.log.LogSlice;
import io.vertx.core.Future;

/**
 * Reads for a fetch, up to the high watermark, in request order: the first partition with data
 * may exceed the byte limits by one batch (Kafka's rule, so consumers always progress), the
 * others stay within what is left of {@code maxBytes}.
 */
public record ReadCommand(List<Spec> partitions, int maxBytes) implements ShardCommand<Map<TopicPartition, ReadCommand.Result>> {

    public record Spec(TopicPartition tp, long fetchOffset, int partitionMaxBytes) {
    }

    /** The records (empty on error) hold a lease on the log until the caller closes them. */
    public record Result(Errors error, long highWatermark, long logStartOffset, LogSlice records) {
    }

    @Override
    public Future<Map<TopicPartition, Result>> execute(LogShard shard) {
        Map<TopicPartition, Result> results = new LinkedHashMap<>();
        int budget = maxBytes;
        boolean minOneBatch = true;
        for (Spec spec : partitions) {
            Partition partition = shard.partition(spec.tp());
            if (partition == null) {
                results.put(spec.tp(), new Result(Errors.NOT_LEADER_OR_FOLLOWER, -1, -1, LogSlice.EMPTY));
                continue;
            }
            Log log = partition.log();
            long highWatermark = log.highWatermark();
            try {
                FetchDataInfo info = log.read(spec.fetchOffset(), Math.min(spec.partitionMaxBytes(), Math.max(budget, 0)),
                    highWatermark, minOneBatch);
                LogSlice records = info.records();
                budget -= records.sizeInBytes();
                if (!records.isEmpty())
                    minOneBatch = false;
                results.put(spec.tp(), new Result(Errors.NONE, highWatermark, info.logStartOffset(), records));
            } catch (ApiException e) {
                results.put(spec.tp(), new Result(Errors.forException(e), highWatermark, log.logStartOffset(), LogSlice.EMPTY));
            } catch (RuntimeException e) {
                results.put(spec.tp(), new Result(PartitionErrors.of(e, "read of " + spec.tp()), highWatermark,
                    log.logStartOffset(), LogSlice.EMPTY));
            }
        }
        return Future.succeededFuture(results);
    }
}
