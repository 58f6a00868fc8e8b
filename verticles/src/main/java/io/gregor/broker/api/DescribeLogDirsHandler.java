package io.gregor.broker.api;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.apache.kafka.common.message.DescribeLogDirsRequestData;
import org.apache.kafka.common.message.DescribeLogDirsResponseData;
import org.apache.kafka.common.message.DescribeLogDirsResponseData.DescribeLogDirsPartition;
import org.apache.kafka.common.message.DescribeLogDirsResponseData.DescribeLogDirsResult;
import org.apache.kafka.common.message.DescribeLogDirsResponseData.DescribeLogDirsTopic;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.DescribeLogDirsRequest;

import io.gregor.broker.log.LogDirsCommand;
import io.gregor.broker.network.ApiHandler;
import io.gregor.broker.network.RequestContext;
import io.gregor.storage.log.LogManager;
import io.vertx.core.Future;

/** DescribeLogDirs: every log dir (offline ones with KAFKA_STORAGE_ERROR) and the partitions in it. */
public final class DescribeLogDirsHandler implements ApiHandler {
    private final Apis apis;
    private final LogManager logManager;

    public DescribeLogDirsHandler(Apis apis, LogManager logManager) {
        this.apis = apis;
        this.logManager = logManager;
    }

    @Override
    public Future<ApiMessage> handle(RequestContext context, AbstractRequest request) {
        DescribeLogDirsRequestData data = ((DescribeLogDirsRequest) request).data();
        List<Future<List<LogDirsCommand.Entry>>> replies = new ArrayList<>();
        for (int shard = 0; shard < apis.shards().count(); shard++)
            replies.add(apis.shards().send(shard, new LogDirsCommand()));
        return Future.all(replies).map(all -> {
            Map<Path, Map<String, DescribeLogDirsTopic>> byDir = new HashMap<>();
            logManager.liveLogDirs().forEach(dir -> byDir.put(dir, new HashMap<>()));
            for (Future<List<LogDirsCommand.Entry>> reply : replies) {
                for (LogDirsCommand.Entry entry : reply.result()) {
                    if (!wanted(data, entry.tp().topic(), entry.tp().partition()))
                        continue;
                    byDir.computeIfAbsent(entry.logDir(), d -> new HashMap<>())
                        .computeIfAbsent(entry.tp().topic(), t -> new DescribeLogDirsTopic().setName(t))
                        .partitions().add(new DescribeLogDirsPartition().setPartitionIndex(entry.tp().partition())
                            .setPartitionSize(entry.sizeInBytes()).setOffsetLag(0).setIsFutureKey(false));
                }
            }
            DescribeLogDirsResponseData response = new DescribeLogDirsResponseData().setErrorCode(Errors.NONE.code());
            byDir.forEach((dir, topics) -> response.results().add(new DescribeLogDirsResult()
                .setLogDir(dir.toString()).setErrorCode(Errors.NONE.code())
                .setTopics(new ArrayList<>(topics.values())).setTotalBytes(dir.toFile().getTotalSpace())
                .setUsableBytes(dir.toFile().getUsableSpace())));
            logManager.offlineLogDirs().forEach(dir -> response.results().add(new DescribeLogDirsResult()
                .setLogDir(dir.toString()).setErrorCode(Errors.KAFKA_STORAGE_ERROR.code())));
            return response;
        });
    }

    private static boolean wanted(DescribeLogDirsRequestData data, String topic, int partition) {
        if (data.topics() == null)
            return true;
        for (DescribeLogDirsRequestData.DescribableLogDirTopic t : data.topics()) {
            if (t.topic().equals(topic) && t.partitions().contains(partition))
                return true;
        }
        return false;
    }
}
