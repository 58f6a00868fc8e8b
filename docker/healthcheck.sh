#!/usr/bin/env bash
# Docker HEALTHCHECK: healthy when GET /metrics answers 200 and the Kafka listener accepts a TCP
# connection, both on 127.0.0.1. Needs only bash (no curl in the JRE image). The ports come from
# GREGOR_METRICS_LISTENER and the first of GREGOR_LISTENERS (the image sets both), or
# HEALTHCHECK_METRICS_PORT / HEALTHCHECK_KAFKA_PORT when the ports are set in a properties file.
set -u

port_of() { # NAME://host:port[,...] -> port
  local first="${1%%,*}"
  first="${first%%/}"
  echo "${first##*:}"
}

metrics_port="${HEALTHCHECK_METRICS_PORT:-$(port_of "${GREGOR_METRICS_LISTENER:-http://0.0.0.0:9404}")}"
kafka_port="${HEALTHCHECK_KAFKA_PORT:-$(port_of "${GREGOR_LISTENERS:-PLAINTEXT://:9092}")}"

if ! { exec 3<>"/dev/tcp/127.0.0.1/${metrics_port}"; } 2>/dev/null; then
  echo "metrics endpoint: nothing listening on port ${metrics_port}"
  exit 1
fi
printf 'GET /metrics HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n' >&3
status=""
read -r -t 4 status <&3 || true
# Read the page to its end (the server closes an HTTP/1.0 exchange) rather than resetting it.
while read -r -t 4 _; do :; done <&3
exec 3<&- 3>&-
case "${status}" in
  "HTTP/1."?" 200"*) ;;
  *) echo "metrics endpoint on port ${metrics_port} answered: ${status:-nothing}"; exit 1 ;;
esac

if ! (exec 4<>"/dev/tcp/127.0.0.1/${kafka_port}") 2>/dev/null; then
  echo "Kafka listener: nothing listening on port ${kafka_port}"
  exit 1
fi
echo "healthy: metrics on ${metrics_port}, Kafka listener on ${kafka_port}"
