package io.gregor.broker.log;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.apache.kafka.common.TopicPartition;

import io.vertx.core.Future;

/** DescribeLogDirs: where each partition of this shard lives and how big it is. */
public record LogDirsCommand() implements ShardCommand<List<LogDirsCommand.Entry>> {

    public record Entry(TopicPartition tp, Path logDir, long sizeInBytes) {
    }

    @Override
    public Future<List<Entry>> execute(LogShard shard) {
        List<Entry> entries = new ArrayList<>();
        for (Partition partition : shard.partitions())
            entries.add(new Entry(partition.topicPartition(), partition.log().dir().getParent(), partition.log().size()));
        return Future.succeededFuture(entries);
    }
}
