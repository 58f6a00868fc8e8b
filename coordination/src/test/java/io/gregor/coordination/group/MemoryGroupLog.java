package io.gregor.coordination.group;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;

import io.gregor.coordination.group.GroupRecord.Loaded;

/** The offsets partitions in memory; appends complete at once, or when the test releases them. */
final class MemoryGroupLog implements GroupLog {
    final Map<Integer, List<Loaded>> partitions = new HashMap<>();
    private final Deque<Runnable> held = new ArrayDeque<>();
    boolean hold;
    GroupError failWith = GroupError.NONE;

    @Override
    public void append(int partition, List<GroupRecord> records, BiConsumer<GroupError, Long> done) {
        GroupError error = failWith;
        Runnable complete = () -> {
            if (error != GroupError.NONE) {
                done.accept(error, -1L);
                return;
            }
            List<Loaded> log = partitions.computeIfAbsent(partition, p -> new ArrayList<>());
            long base = log.size();
            for (GroupRecord r : records)
                log.add(new Loaded(log.size(), r));
            done.accept(GroupError.NONE, base);
        };
        if (hold)
            held.add(complete);
        else
            complete.run();
    }

    void releaseAll() {
        while (!held.isEmpty())
            held.poll().run();
    }

    List<GroupRecord> records(int partition) {
        List<GroupRecord> result = new ArrayList<>();
        partitions.getOrDefault(partition, List.of()).forEach(l -> result.add(l.record()));
        return result;
    }

    List<Loaded> loaded(int partition) {
        return new ArrayList<>(partitions.getOrDefault(partition, List.of()));
    }
}
