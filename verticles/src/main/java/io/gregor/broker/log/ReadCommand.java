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
 * Reads for a fetch, in request order: the first partition with data may exceed the byte limits
 * by one batch (Kafka's rule, so fetchers always progress), the others stay within what is left
 * of {@code maxBytes}. A consumer ({@code replicaId} -1) reads up to the high watermark; a
 * follower reads up to the log end, and its fetch offset tells the leader how far it got.
 */
public record ReadCommand(int replicaId, List<Spec> partitions, int maxBytes)
        implements ShardCommand<Map<TopicPartition, ReadCommand.Result>> {

    public static final int CONSUMER = -1;

    /** @param currentLeaderEpoch the leader epoch the fetcher knows, -1 if it does not say (KIP-320) */
    public record Spec(TopicPartition tp, long fetchOffset, int partitionMaxBytes, int currentLeaderEpoch) {
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
            Errors refused = refusal(partition, spec);
            if (refused != Errors.NONE) {
                results.put(spec.tp(), new Result(refused, -1, -1, LogSlice.EMPTY));
                continue;
            }
            Log log = partition.log();
            if (replicaId != CONSUMER)
                shard.onFollowerFetch(partition, replicaId, spec.fetchOffset());
            long highWatermark = log.highWatermark();
            long maxOffset = replicaId == CONSUMER ? highWatermark : Long.MAX_VALUE;
            try {
                FetchDataInfo info = log.read(spec.fetchOffset(), Math.min(spec.partitionMaxBytes(), Math.max(budget, 0)),
                    maxOffset, minOneBatch);
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

    private Errors refusal(Partition partition, Spec spec) {
        if (partition == null)
            return Errors.NOT_LEADER_OR_FOLLOWER;
        if (spec.currentLeaderEpoch() >= 0 && spec.currentLeaderEpoch() < partition.leaderEpoch())
            return Errors.FENCED_LEADER_EPOCH;
        if (spec.currentLeaderEpoch() > partition.leaderEpoch())
            return Errors.UNKNOWN_LEADER_EPOCH;
        if (replicaId != CONSUMER && !partition.isReplica(replicaId))
            return Errors.NOT_LEADER_OR_FOLLOWER;
        return Errors.NONE;
    }
}
