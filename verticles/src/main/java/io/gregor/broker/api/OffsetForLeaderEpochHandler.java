package io.gregor.broker.api;

import java.util.HashMap;
import java.util.Map;

import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.OffsetForLeaderEpochRequestData;
import org.apache.kafka.common.message.OffsetForLeaderEpochResponseData;
import org.apache.kafka.common.message.OffsetForLeaderEpochResponseData.EpochEndOffset;
import org.apache.kafka.common.message.OffsetForLeaderEpochResponseData.OffsetForLeaderTopicResult;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.OffsetsForLeaderEpochRequest;

import io.gregor.broker.log.EpochEndOffsetCommand;
import io.gregor.broker.metadata.MetadataImage;
import io.gregor.broker.metadata.TopicImage;
import io.gregor.broker.network.ApiHandler;
import io.gregor.broker.network.RequestContext;
import io.vertx.core.Future;

/** OffsetForLeaderEpoch: consumers use it to detect log truncation after a leader change (KIP-320). */
public final class OffsetForLeaderEpochHandler implements ApiHandler {
    private final Apis apis;

    public OffsetForLeaderEpochHandler(Apis apis) {
        this.apis = apis;
    }

    @Override
    public Future<ApiMessage> handle(RequestContext context, AbstractRequest request) {
        OffsetForLeaderEpochRequestData data = ((OffsetsForLeaderEpochRequest) request).data();
        MetadataImage image = apis.metadata().image();
        Map<TopicPartition, Integer> epochs = new HashMap<>();
        Map<TopicPartition, Integer> current = new HashMap<>();
        for (OffsetForLeaderEpochRequestData.OffsetForLeaderTopic topic : data.topics()) {
            TopicImage known = image.topic(topic.topic()).orElse(null);
            for (OffsetForLeaderEpochRequestData.OffsetForLeaderPartition p : topic.partitions()) {
                if (known != null && p.partition() < known.partitions().size()) {
                    TopicPartition tp = new TopicPartition(topic.topic(), p.partition());
                    epochs.put(tp, p.leaderEpoch());
                    current.put(tp, p.currentLeaderEpoch());
                }
            }
        }
        return apis.shards().scatter(epochs, shardEpochs -> new EpochEndOffsetCommand(shardEpochs, current))
            .map(results -> {
                OffsetForLeaderEpochResponseData response = new OffsetForLeaderEpochResponseData();
                for (OffsetForLeaderEpochRequestData.OffsetForLeaderTopic topic : data.topics()) {
                    OffsetForLeaderTopicResult topicResult = new OffsetForLeaderTopicResult().setTopic(topic.topic());
                    for (OffsetForLeaderEpochRequestData.OffsetForLeaderPartition p : topic.partitions()) {
                        EpochEndOffsetCommand.Result r = results.get(new TopicPartition(topic.topic(), p.partition()));
                        EpochEndOffset answer = new EpochEndOffset().setPartition(p.partition());
                        if (r == null) {
                            answer.setErrorCode(Errors.UNKNOWN_TOPIC_OR_PARTITION.code()).setLeaderEpoch(-1).setEndOffset(-1);
                        } else {
                            answer.setErrorCode(r.error().code()).setLeaderEpoch(r.endOffset().epoch())
                                .setEndOffset(r.endOffset().endOffset());
                        }
                        topicResult.partitions().add(answer);
                    }
                    response.topics().add(topicResult);
                }
                return response;
            });
    }

}
