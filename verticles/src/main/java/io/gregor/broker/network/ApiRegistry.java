package io.gregor.broker.network;

import java.util.EnumMap;
import java.util.Map;

import org.apache.kafka.common.message.ApiVersionsResponseData;
import org.apache.kafka.common.message.ApiVersionsResponseData.ApiVersion;
import org.apache.kafka.common.message.ApiVersionsResponseData.ApiVersionCollection;
import org.apache.kafka.common.protocol.ApiKeys;

/**
 * The APIs this broker serves and at which versions. ApiVersions advertises exactly this; a
 * request for anything else is answered with UNSUPPORTED_VERSION.
 */
public final class ApiRegistry {
    private record Entry(ApiHandler handler, short minVersion, short maxVersion, short advertisedMinVersion) {
    }

    private final Map<ApiKeys, Entry> entries = new EnumMap<>(ApiKeys.class);

    /** Serves {@code api} from {@code minVersion} to the newest version kafka-clients can decode. */
    public ApiRegistry register(ApiKeys api, int minVersion, ApiHandler handler) {
        return register(api, minVersion, api.latestVersion(), handler);
    }

    public ApiRegistry register(ApiKeys api, int minVersion, int maxVersion, ApiHandler handler) {
        short min = (short) Math.max(minVersion, api.oldestVersion());
        short max = (short) Math.min(maxVersion, api.latestVersion());
        entries.put(api, new Entry(handler, min, max, min));
        return this;
    }

    /**
     * Serves {@code api} from {@code minVersion} but advertises it from the oldest version: some
     * clients judge features by the advertised range. librdkafka only compresses with gzip, snappy
     * or lz4 when Produce v0 is advertised, which is why Kafka 4 still advertises it while serving
     * v3 and up (KAFKA-18659). Older versions are still answered with UNSUPPORTED_VERSION.
     */
    public ApiRegistry registerAdvertisingOldest(ApiKeys api, int minVersion, ApiHandler handler) {
        short min = (short) Math.max(minVersion, api.oldestVersion());
        entries.put(api, new Entry(handler, min, api.latestVersion(), api.oldestVersion()));
        return this;
    }

    /** The handler for {@code api} at {@code version}, or null if that is not served. */
    public ApiHandler handler(ApiKeys api, short version) {
        Entry entry = entries.get(api);
        return entry == null || version < entry.minVersion() || version > entry.maxVersion() ? null : entry.handler();
    }

    /** A fresh ApiVersions body listing every served API with its range. */
    public ApiVersionsResponseData apiVersions() {
        ApiVersionCollection versions = new ApiVersionCollection();
        for (Map.Entry<ApiKeys, Entry> e : entries.entrySet()) {
            versions.add(new ApiVersion().setApiKey(e.getKey().id)
                .setMinVersion(e.getValue().advertisedMinVersion()).setMaxVersion(e.getValue().maxVersion()));
        }
        return new ApiVersionsResponseData().setApiKeys(versions);
    }
}
