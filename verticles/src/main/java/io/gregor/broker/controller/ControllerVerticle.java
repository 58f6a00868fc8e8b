package io.gregor.broker.controller;

import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import java.util.function.IntConsumer;

import org.apache.kafka.common.ElectionType;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.ControllerMovedException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.gregor.broker.cluster.MetadataNotifier;
import io.gregor.broker.config.BrokerConfig;
import io.gregor.coordination.controller.LeaderImbalance;
import io.gregor.coordination.controller.PartitionStateChange;
import io.gregor.coordination.zk.BrokerRegistration;
import io.gregor.coordination.zk.PartitionState;
import io.gregor.coordination.zk.TopicAssignment;
import io.gregor.coordination.zk.ZkMetadataStore;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;

/**
 * Kafka's ZooKeeper-mode controller, for broker membership: every broker runs one, the one holding the ephemeral
 * {@code /controller} is active. When brokers die it takes them out of the ISRs and moves leadership away from
 * them; when they come back it brings offline partitions back and has the returning broker reload everything.
 * With {@code auto.leader.rebalance.enable} it also moves leadership back to preferred replicas that came back.
 * The others only watch {@code /controller} and stand for election when it goes.
 *
 * <p>ZooKeeper calls block, so each event (a {@code /controller} or {@code /brokers/ids} change) runs as an
 * ordered blocking task on this verticle's context: one at a time, in the order the watches reported them, as on
 * Kafka's single controller event thread. The fields below are only touched by those tasks.
 */
public final class ControllerVerticle extends VerticleBase {
    /**
     * Kafka's automatic preferred leader election.
     *
     * @param enable                       {@code auto.leader.rebalance.enable}
     * @param checkIntervalSeconds         {@code leader.imbalance.check.interval.seconds}
     * @param imbalancePerBrokerPercentage {@code leader.imbalance.per.broker.percentage}
     */
    public record LeaderRebalance(boolean enable, long checkIntervalSeconds, int imbalancePerBrokerPercentage) {
        public static LeaderRebalance of(BrokerConfig config) {
            return new LeaderRebalance(config.getBoolean("auto.leader.rebalance.enable"),
                config.getLong("leader.imbalance.check.interval.seconds"),
                config.getInt("leader.imbalance.per.broker.percentage"));
        }
    }

    private static final Logger log = LoggerFactory.getLogger(ControllerVerticle.class);
    private static final int NO_CONTROLLER = -1;
    private static final long RETRY_MS = 1000;

    private final ZkMetadataStore store;
    private final int brokerId;
    private final boolean defaultUncleanLeaderElection;
    private final LeaderRebalance rebalance;
    private final ZkLeaderElector elector;
    private final MetadataNotifier notifier;
    private final IntConsumer controllerChanged;

    private boolean stopped;
    private ZkMetadataStore.Watch controllerWatch;
    /** The controller epoch while active, {@link #NO_CONTROLLER} otherwise. */
    private int epoch = NO_CONTROLLER;
    /** Counts terms as controller, so that broker events of an earlier term are ignored. */
    private int term;
    private ZkMetadataStore.Watch brokerWatch;
    /** The latest registrations the broker watch reported in this term. */
    private List<BrokerRegistration> registered;
    /** The live brokers as of the last completed sweep of this term; null before the first. */
    private Set<Integer> liveBrokers;
    private long retryTimer = -1;
    private long rebalanceTimer = -1;

    /**
     * @param defaultUncleanLeaderElection the broker's {@code unclean.leader.election.enable}; a topic's own setting wins
     * @param controllerChanged            told the controller's id (-1 for none) on every change of {@code /controller},
     *                                     on a worker thread
     */
    public ControllerVerticle(ZkMetadataStore store, int brokerId, boolean defaultUncleanLeaderElection,
                              LeaderRebalance rebalance, MetadataNotifier notifier, IntConsumer controllerChanged) {
        this.store = store;
        this.brokerId = brokerId;
        this.defaultUncleanLeaderElection = defaultUncleanLeaderElection;
        this.rebalance = rebalance;
        this.elector = new ZkLeaderElector(store);
        this.notifier = notifier;
        this.controllerChanged = controllerChanged;
    }

    @Override
    public Future<?> start() {
        return submit(() -> controllerWatch = store.watchController(id -> submit(() -> onControllerChange(id))));
    }

    /** Resigns when active, so that another broker takes over without waiting for this one's session to end. */
    @Override
    public Future<?> stop() {
        return submit(() -> {
            stopped = true;
            controllerWatch.close();
            if (isActive()) {
                becomeInactive();
                if (!store.isConnected()) {
                    log.info("Not resigning: ZooKeeper is unreachable; /controller goes with the session");
                    return;
                }
                try {
                    store.resignController(brokerId);
                } catch (RuntimeException e) {
                    log.info("Could not delete /controller on stop, it goes with the ZooKeeper session: {}", e.toString());
                }
            }
        });
    }

    private boolean isActive() {
        return epoch != NO_CONTROLLER;
    }

    private void onControllerChange(int controllerId) {
        if (stopped)
            return;
        controllerChanged.accept(controllerId);
        if (isActive() && controllerId != brokerId) {
            log.info("Broker {} is no longer the controller (/controller names {})", brokerId, controllerId);
            becomeInactive();
        }
        // Our own id while inactive: either this session holds /controller already (the election then just
        // reports it) or a previous process of this broker does, until its session expires.
        if (!isActive() && (controllerId == NO_CONTROLLER || controllerId == brokerId))
            elect();
    }

    private void elect() {
        if (stopped || isActive())
            return;
        OptionalInt won;
        try {
            won = store.electController(brokerId);
        } catch (RuntimeException e) {
            // /controller may not change again to wake us up: try again.
            log.warn("Controller election failed, retrying in {} ms: {}", RETRY_MS, e.toString());
            retryLater(this::elect);
            return;
        }
        if (won.isPresent())
            becomeActive(won.getAsInt());
    }

    private void becomeActive(int controllerEpoch) {
        cancelRetry();
        term++;
        liveBrokers = null;
        log.info("Broker {} is the controller with epoch {}", brokerId, controllerEpoch);
        int current = term;
        // Its first report starts a full sweep: a previous controller may have died half way through one.
        brokerWatch = store.watchBrokers(brokers -> submit(() -> onBrokersChange(current, brokers)));
        epoch = controllerEpoch;
        if (rebalance.enable())
            scheduleRebalanceCheck();
    }

    private void becomeInactive() {
        cancelRetry();
        if (rebalanceTimer >= 0) {
            vertx.cancelTimer(rebalanceTimer);
            rebalanceTimer = -1;
        }
        brokerWatch.close();
        brokerWatch = null;
        epoch = NO_CONTROLLER;
        registered = null;
        liveBrokers = null;
    }

    private void onBrokersChange(int eventTerm, List<BrokerRegistration> brokers) {
        if (!isActive() || eventTerm != term)
            return;
        registered = brokers;
        sweep();
    }

    /**
     * Elects leaders and shrinks ISRs over all partitions for the registered brokers, then tells brokers what
     * changed. The first sweep of a term resyncs every broker: a previous controller may have written states
     * without getting to announce them.
     */
    private void sweep() {
        Set<Integer> live = new TreeSet<>();
        registered.forEach(b -> live.add(b.id()));
        boolean first = liveBrokers == null;
        Set<Integer> joined = first ? live : minus(live, liveBrokers);
        Set<Integer> failed = first ? Set.of() : minus(liveBrokers, live);
        if (!first && joined.isEmpty() && failed.isEmpty())
            return;
        if (first)
            log.info("Controller epoch {}: live brokers {}", epoch, live);
        else
            log.info("Controller epoch {}: brokers joined {}, failed {}; live brokers {}", epoch, joined, failed, live);
        Set<String> changed = new TreeSet<>();
        try {
            for (TopicAssignment topic : eligibleTopics())
                electLeaders(topic, live, changed);
        } catch (ControllerMovedException e) {
            log.warn("Broker {} stops acting as controller with epoch {}: {}", brokerId, epoch, e.getMessage());
            becomeInactive();
            return;
        } catch (RuntimeException e) {
            log.warn("Controller sweep failed, retrying in {} ms", RETRY_MS, e);
            int current = term;
            retryLater(() -> onBrokersChange(current, registered));
            return;
        } finally {
            if (!changed.isEmpty())
                notifier.topicsChanged(changed).onFailure(e -> log.warn("Announcing changes to {} failed", changed, e));
        }
        liveBrokers = live;
        for (int id : joined)
            notifier.resync(id).onFailure(e -> log.warn("Resyncing broker {} failed", id, e));
    }

    /** Topics queued for deletion are left alone, as Kafka's controller does. */
    private List<TopicAssignment> eligibleTopics() {
        Set<String> deleting = store.topicsMarkedForDeletion();
        return store.topics().values().stream().filter(t -> !deleting.contains(t.topic())).toList();
    }

    private void electLeaders(TopicAssignment topic, Set<Integer> live, Set<String> changed) {
        String name = topic.topic();
        boolean unclean = uncleanLeaderElection(name);
        Map<Integer, PartitionState> states = store.partitionStates(name);
        for (int attempt = 1; ; attempt++) {
            Set<Integer> conflicts = new TreeSet<>();
            for (Map.Entry<Integer, PartitionState> entry : states.entrySet()) {
                int partition = entry.getKey();
                List<Integer> replicas = topic.replicas().get(partition);
                // A state without an assignment belongs to partitions being added: their creator handles them.
                if (replicas == null)
                    continue;
                PartitionState current = entry.getValue();
                Optional<PartitionState> next = PartitionStateChange.onBrokersChange(replicas, current, live, unclean, epoch);
                if (next.isEmpty())
                    continue;
                if (!ConditionalWrite.write(store, name, partition, next.get(), attempt, conflicts))
                    continue;
                changed.add(name);
                logChange(name, partition, current, next.get());
            }
            if (conflicts.isEmpty())
                return;
            // The leader (ISR changes) or an admin request wrote meanwhile: decide again on what they wrote.
            Map<Integer, PartitionState> reread = new TreeMap<>(store.partitionStates(name));
            reread.keySet().retainAll(conflicts);
            states = reread;
        }
    }

    /** As Kafka's controller: the next check an interval after the last one ended, so that checks never pile up. */
    private void scheduleRebalanceCheck() {
        rebalanceTimer = vertx.setTimer(rebalance.checkIntervalSeconds() * 1000, timer -> submit(() -> {
            // A timer cancelled after it fired still gets here.
            if (rebalanceTimer != timer)
                return;
            rebalanceTimer = -1;
            checkLeaderImbalance();
            if (isActive())
                scheduleRebalanceCheck();
        }));
    }

    /**
     * Kafka's auto leader rebalance: for every broker that leads too few of the partitions it is the preferred
     * leader of, elects it for those where it is live and in sync. Failures wait for the next check.
     */
    private void checkLeaderImbalance() {
        // Before the first sweep of this term nothing is known to be live.
        if (liveBrokers == null)
            return;
        Set<TopicPartition> candidates = new HashSet<>();
        Set<String> changed = new TreeSet<>();
        try {
            for (LeaderImbalance.BrokerImbalance imbalance : imbalances()) {
                log.debug("Leader imbalance of broker {}: another broker leads {}% of its {} preferred partitions",
                    imbalance.broker(), Math.round(imbalance.percentage()), imbalance.preferredPartitions());
                candidates.addAll(imbalance.ledByOthers());
            }
            if (!candidates.isEmpty())
                elector.elect(ElectionType.PREFERRED, candidates, liveBrokers, epoch, changed);
        } catch (ControllerMovedException e) {
            log.warn("Broker {} stops acting as controller with epoch {}: {}", brokerId, epoch, e.getMessage());
            becomeInactive();
        } catch (RuntimeException e) {
            log.warn("Leader imbalance check failed, next one in {} s", rebalance.checkIntervalSeconds(), e);
        } finally {
            if (!changed.isEmpty())
                notifier.topicsChanged(changed).onFailure(e -> log.warn("Announcing changes to {} failed", changed, e));
        }
    }

    private List<LeaderImbalance.BrokerImbalance> imbalances() {
        Map<TopicPartition, List<Integer>> replicas = new HashMap<>();
        Map<TopicPartition, PartitionState> states = new HashMap<>();
        for (TopicAssignment topic : eligibleTopics()) {
            topic.replicas().forEach((p, r) -> replicas.put(new TopicPartition(topic.topic(), p), r));
            store.partitionStates(topic.topic()).forEach((p, s) -> states.put(new TopicPartition(topic.topic(), p), s));
        }
        return LeaderImbalance.aboveThreshold(replicas, states, rebalance.imbalancePerBrokerPercentage());
    }

    private boolean uncleanLeaderElection(String topic) {
        String override = store.topicConfigs(topic).get(TopicConfig.UNCLEAN_LEADER_ELECTION_ENABLE_CONFIG);
        return override == null ? defaultUncleanLeaderElection : Boolean.parseBoolean(override.trim());
    }

    private static void logChange(String topic, int partition, PartitionState from, PartitionState to) {
        log.info("Partition {}-{}: leader {} -> {}, ISR {} -> {}, leader epoch {}", topic, partition, from.leader(),
            to.leader(), from.isr(), to.isr(), to.leaderEpoch());
        if (to.leader() != PartitionState.NO_LEADER && !from.isr().contains(to.leader()))
            log.warn("Unclean leader election for {}-{}: broker {} was not in ISR {}, records it lacks are lost",
                topic, partition, to.leader(), from.isr());
    }

    private static Set<Integer> minus(Set<Integer> a, Set<Integer> b) {
        Set<Integer> rest = new TreeSet<>(a);
        rest.removeAll(b);
        return rest;
    }

    private void retryLater(Runnable task) {
        if (retryTimer < 0) {
            retryTimer = vertx.setTimer(RETRY_MS, timer -> submit(() -> {
                // A timer cancelled after it fired still gets here.
                if (retryTimer == timer) {
                    retryTimer = -1;
                    task.run();
                }
            }));
        }
    }

    private void cancelRetry() {
        if (retryTimer >= 0) {
            vertx.cancelTimer(retryTimer);
            retryTimer = -1;
        }
    }

    /** Queues {@code event} behind those queued before it; failures are logged, as nobody waits for them. */
    private Future<Void> submit(Runnable event) {
        Callable<Void> task = () -> {
            event.run();
            return null;
        };
        return context.executeBlocking(task, true)
            .onFailure(e -> log.error("Controller event failed on broker {}", brokerId, e));
    }
}
