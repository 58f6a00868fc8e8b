package io.gregor.broker.metadata;

import java.util.function.UnaryOperator;

/** The broker's current metadata image, read lock-free by every network verticle. */
public final class MetadataCache {
    private volatile MetadataImage image;

    public MetadataCache(MetadataImage initial) {
        this.image = initial;
    }

    public MetadataImage image() {
        return image;
    }

    public synchronized MetadataImage update(UnaryOperator<MetadataImage> change) {
        image = change.apply(image);
        return image;
    }
}
