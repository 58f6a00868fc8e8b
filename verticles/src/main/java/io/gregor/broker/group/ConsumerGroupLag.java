package io.gregor.broker.group;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.protocol.Errors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.gregor.broker.log.ListOffsetsCommand;
import io.gregor.broker.log.LogShards;
import io.gregor.broker.metadata.MetadataImage;
import io.gregor.broker.metadata.PartitionImage;
import io.gregor.broker.metadata.TopicImage;
import io.gregor.coordination.group.Group;
import io.gregor.coordination.group.GroupState;
import io.gregor.coordination.group.TopicPartitionId;
import io.gregor.metrics.ConsumerLagSource;
import io.gregor.storage.log.Log;

/**
 * The positions behind the {@code kafka_consumergroup_*} gauges: each group's committed offsets
 * against the high watermarks its consumers see. Refreshed on the coordinator's event loop, which
 * owns the groups, with the high watermarks asked of the log shards; the scrape, on a worker
 * thread, only reads the last published snapshot, so nobody waits on another thread.
 *
 * <p>Only partitions this broker leads have a lag here: another leader's high watermark is not
 * known on this broker.
 */
final class ConsumerGroupLag implements ConsumerLagSource {
    private static final Logger log = LoggerFactory.getLogger(ConsumerGroupLag.class);
    /** Well under Prometheus's usual scrape interval, and cheap: one command per log shard. */
    static final long REFRESH_MS = 5000;

    private record Commit(String group, TopicPartition tp, long offset) {
    }

    private record Position(String group, TopicPartition tp, long committedOffset, long highWatermark) {
    }

    private record Snapshot(List<Position> positions, Map<String, Integer> members) {
    }

    private final int brokerId;
    private final LogShards shards;
    private volatile Snapshot published = new Snapshot(List.of(), Map.of());
    private boolean refreshing;

    ConsumerGroupLag(int brokerId, LogShards shards) {
        this.brokerId = brokerId;
        this.shards = shards;
    }

    /** Takes the groups' committed offsets now and publishes them once the shards answer; on the coordinator's thread. */
    void refresh(Collection<Group> groups, MetadataImage image) {
        // A slow shard must not pile up refreshes behind it.
        if (refreshing)
            return;
        Map<String, Integer> members = new HashMap<>();
        List<Commit> commits = new ArrayList<>();
        for (Group group : groups) {
            if (group.is(GroupState.DEAD))
                continue;
            members.put(group.groupId(), group.size());
            group.allOffsets().forEach((tp, offset) -> {
                if (ledHere(image, tp))
                    commits.add(new Commit(group.groupId(), new TopicPartition(tp.topic(), tp.partition()), offset.offset()));
            });
        }
        Map<TopicPartition, Long> latest = new HashMap<>();
        commits.forEach(c -> latest.put(c.tp(), Log.LATEST_TIMESTAMP));
        refreshing = true;
        shards.scatter(latest, ListOffsetsCommand::new).onComplete(ar -> {
            refreshing = false;
            if (ar.failed()) {
                // Keep the last snapshot: a gap would read as the series ending.
                log.debug("Consumer group lag not refreshed: {}", ar.cause().toString());
                return;
            }
            List<Position> positions = new ArrayList<>(commits.size());
            for (Commit c : commits) {
                ListOffsetsCommand.Result end = ar.result().get(c.tp());
                if (end != null && end.error() == Errors.NONE && end.found() != null)
                    positions.add(new Position(c.group(), c.tp(), c.offset(), end.found().offset()));
            }
            published = new Snapshot(positions, members);
        });
    }

    private boolean ledHere(MetadataImage image, TopicPartitionId tp) {
        TopicImage topic = image.topic(tp.topic()).orElse(null);
        if (topic == null || tp.partition() < 0 || tp.partition() >= topic.partitions().size())
            return false;
        PartitionImage partition = topic.partitions().get(tp.partition());
        return partition.leader() == brokerId;
    }

    @Override
    public void collect(Sink sink) {
        Snapshot snapshot = published;
        for (Position p : snapshot.positions())
            sink.partition(p.group(), p.tp().topic(), p.tp().partition(), p.committedOffset(), p.highWatermark());
        snapshot.members().forEach(sink::members);
    }
}
