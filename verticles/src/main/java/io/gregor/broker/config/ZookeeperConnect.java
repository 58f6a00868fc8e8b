package io.gregor.broker.config;

import org.apache.kafka.common.config.ConfigException;

/**
 * An external ZooKeeper ensemble from {@code zookeeper.connect}, with its chroot split off the
 * way Kafka does: {@code zk1:2181,zk2:2181/kafka} holds every Gregor znode under {@code /kafka}.
 *
 * @param hosts  the {@code host:port} list, without the chroot
 * @param chroot the path all znodes live under; "/" when none was given
 */
public record ZookeeperConnect(String hosts, String chroot) {

    /** The value that names the in-process server instead of an ensemble. */
    static final String EMBEDDED = "embedded";

    /** The string for a ZooKeeper client that should see the chroot as its root. */
    public String connectString() {
        return chroot.equals("/") ? hosts : hosts + chroot;
    }

    static ZookeeperConnect parse(String key, String value) {
        int slash = value.indexOf('/');
        String hosts = slash < 0 ? value : value.substring(0, slash);
        String chroot = slash < 0 ? "/" : value.substring(slash);
        for (String host : hosts.split(",", -1)) {
            if (host.isBlank() || host.startsWith(":"))
                throw new ConfigException(key, value, "expected host:port[,host:port...][/chroot]");
        }
        // ZooKeeper itself rejects these paths, but only when connecting and with a less helpful message.
        if (!chroot.equals("/")) {
            for (String segment : chroot.substring(1).split("/", -1)) {
                if (segment.isEmpty() || segment.equals(".") || segment.equals(".."))
                    throw new ConfigException(key, value, "invalid chroot path " + chroot);
            }
        }
        return new ZookeeperConnect(hosts, chroot);
    }
}
