package io.gregor.metrics;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The hot-path updates allocate nothing: measured with the JVM's per-thread allocation counter
 * over a million calls after warm-up (a few hundred bytes of slack for the counter itself and
 * histogram rotation).
 */
class HotPathAllocationTest {
    private static final int CALLS = 1_000_000;

    @Test
    void topicAndRequestUpdatesDoNotAllocate() {
        java.lang.management.ThreadMXBean bean = ManagementFactory.getThreadMXBean();
        Assumptions.assumeTrue(bean instanceof com.sun.management.ThreadMXBean);
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) bean;
        Assumptions.assumeTrue(threads.isThreadAllocatedMemorySupported() && threads.isThreadAllocatedMemoryEnabled());
        try (BrokerMetrics metrics = BrokerMetrics.create()) {
            String topic = new String("orders"); // a different instance than the one cached, as from a request
            metrics.topic("orders");
            metrics.request("Produce");
            run(metrics, topic, 200_000); // warm-up: JIT, histogram ranges
            long thread = Thread.currentThread().getId();
            long before = threads.getThreadAllocatedBytes(thread);
            run(metrics, topic, CALLS);
            long allocated = threads.getThreadAllocatedBytes(thread) - before;
            assertTrue(allocated < 16 * 1024, allocated + " bytes allocated for " + CALLS + " updates");
        }
    }

    private static void run(BrokerMetrics metrics, String topic, int calls) {
        for (int i = 0; i < calls; i++) {
            TopicMetrics t = metrics.topic(topic);
            t.produceRequest();
            t.appended(10, 1024);
            t.fetchRequest();
            t.bytesOut(2048);
            RequestMetrics r = metrics.request("Produce");
            r.received();
            r.completed(50_000L + (i & 0xFFFF) * 1000L);
        }
    }
}
