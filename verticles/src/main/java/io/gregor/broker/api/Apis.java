package io.gregor.broker.api;

import io.gregor.broker.log.LogShards;
import io.gregor.broker.metadata.MetadataCache;
import io.gregor.broker.metadata.TopicManager;
import io.gregor.metrics.BrokerMetrics;
import io.vertx.core.Vertx;

/** What every API handler works with. */
public record Apis(Vertx vertx, BrokerSettings settings, MetadataCache metadata, LogShards shards, TopicManager topics,
                   BrokerMetrics metrics) {
}
