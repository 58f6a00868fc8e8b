package io.gregor.coordination.zk;

import java.util.Objects;

/**
 * A live broker as registered under {@code /brokers/ids/<id>}: one PLAINTEXT endpoint and an optional rack.
 *
 * @param id   {@code broker.id}
 * @param host advertised host of the PLAINTEXT listener
 * @param port advertised port of the PLAINTEXT listener
 * @param rack {@code broker.rack}, or {@code null}
 */
public record BrokerRegistration(int id, String host, int port, String rack) {

  public BrokerRegistration {
    if (id < 0) {
      throw new IllegalArgumentException("broker id must be >= 0: " + id);
    }
    Objects.requireNonNull(host, "host");
  }

  public BrokerRegistration(int id, String host, int port) {
    this(id, host, port, null);
  }
}
