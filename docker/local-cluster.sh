#!/usr/bin/env bash
# local-cluster.sh - the topology of docker-compose.yml as plain processes on 127.0.0.1, for a
# machine without a Docker engine: a three-node ZooKeeper ensemble (the server classes are in
# gregor.jar) and three Gregor brokers, ids 1..3.
#
#   docker/local-cluster.sh start   [DIR]   create DIR (first time) and start everything; waits until
#                                           the ensemble has a leader and every broker is healthy
#   docker/local-cluster.sh stop    [DIR]   SIGTERM the brokers, then ZooKeeper; SIGKILL after STOP_TIMEOUT
#   docker/local-cluster.sh kill    ID [DIR]   kill -9 broker ID (a crash, no controlled shutdown)
#   docker/local-cluster.sh restart ID [DIR]   start broker ID again with its configuration and data
#   docker/local-cluster.sh status  [DIR]   processes, ZooKeeper modes, broker health and registrations
#
# DIR (default ${TMPDIR:-/tmp}/gregor-local-cluster) holds everything of one cluster:
#   ports.env                  KEY=VALUE: BOOTSTRAP_SERVERS, ZOOKEEPER_CONNECT, BROKERn_PORT,
#                              BROKERn_METRICS_PORT, BROKERn_CLUSTER_PORT, ZKn_CLIENT_PORT, ...
#   zkN.pid, zkN.log           each ZooKeeper server's PID and output; zkN/zoo.cfg, zkN/data/myid
#   brokerN.pid, brokerN.log   each broker's PID and stdout; brokerN/broker.env (its GREGOR_*
#                              variables), brokerN/kafka-logs, brokerN/logs/server.log and friends
# A second `start` on the same DIR starts the same cluster again, with its data; remove DIR for a
# fresh one.
#
# Environment (read by `start` when it creates DIR):
#   BASE_PORT      first of 18 consecutive ports (default: a free block picked at random):
#                  +0..2 ZooKeeper clients, +3..5 quorum, +6..8 leader election,
#                  +9..11 Kafka listeners, +12..14 /metrics, +15..17 the brokers' event bus
#   GREGOR_*       any broker key (see conf/server.properties), written into every broker.env
#                  after the topology's own values, so it wins over them
# and at every start: JAR (default verticles/target/gregor.jar), JAVA_HOME, BROKER_JAVA_OPTS,
# ZK_JAVA_OPTS, START_TIMEOUT (seconds, default 180), STOP_TIMEOUT (seconds, default 90).
set -euo pipefail

here="$(cd -P "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd -P "$here/.." && pwd)"
jar="${JAR:-$root/verticles/target/gregor.jar}"
java="${JAVA_HOME:+$JAVA_HOME/bin/}java"
start_timeout="${START_TIMEOUT:-180}"
stop_timeout="${STOP_TIMEOUT:-90}"   # compose's stop_grace_period
broker_java_opts="${BROKER_JAVA_OPTS:--Xms512m -Xmx512m -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:+ExitOnOutOfMemoryError}"
zk_java_opts="${ZK_JAVA_OPTS:--Xmx256m}"
ids=(1 2 3)

die() { echo "local-cluster.sh: $*" >&2; exit 1; }
log() { echo "[$(date +%T)] $*"; }
usage() { sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | grep '^#' | sed 's/^# \{0,1\}//'; }

# ---- ports --------------------------------------------------------------------------------------

listening() { # PORT -> true if something accepts connections on 127.0.0.1:PORT
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

block_free() { # BASE -> true if none of BASE..BASE+17 is listening
  local p
  for ((p = $1; p < $1 + 18; p++)); do
    if listening "$p"; then return 1; fi
  done
}

pick_base_port() {
  if [ -n "${BASE_PORT:-}" ]; then
    block_free "$BASE_PORT" || die "a port in $BASE_PORT..$((BASE_PORT + 17)) is in use"
    echo "$BASE_PORT"
    return
  fi
  # Below Linux's ephemeral range (32768+), so no outgoing connection holds one of them meanwhile.
  local base
  for _ in 1 2 3 4 5 6 7 8 9 10; do
    base=$((20000 + (RANDOM % 600) * 20))
    if block_free "$base"; then echo "$base"; return; fi
  done
  die "found no free block of 18 ports; set BASE_PORT"
}

# ---- creating the run directory -----------------------------------------------------------------

create() {
  local base i id connect="" bootstrap=""
  base="$(pick_base_port)"
  mkdir -p "$dir"
  cp "$root/conf/server.properties" "$root/conf/log4j2.xml" "$dir/"   # restarts keep the same files

  for i in "${ids[@]}"; do
    connect+="${connect:+,}127.0.0.1:$((base + i - 1))"
    bootstrap+="${bootstrap:+,}127.0.0.1:$((base + 8 + i))"
  done
  connect+="/gregor"   # the chroot of docker-compose.yml
  {
    echo "BOOTSTRAP_SERVERS=$bootstrap"
    echo "ZOOKEEPER_CONNECT=$connect"
    for i in "${ids[@]}"; do
      echo "ZK${i}_CLIENT_PORT=$((base + i - 1))"
      echo "ZK${i}_PEER_PORT=$((base + 2 + i))"
      echo "ZK${i}_ELECTION_PORT=$((base + 5 + i))"
    done
    for id in "${ids[@]}"; do
      echo "BROKER${id}_PORT=$((base + 8 + id))"
      echo "BROKER${id}_METRICS_PORT=$((base + 11 + id))"
      echo "BROKER${id}_CLUSTER_PORT=$((base + 14 + id))"
    done
  } >"$dir/ports.env"
  # shellcheck source=/dev/null
  . "$dir/ports.env"

  for i in "${ids[@]}"; do
    mkdir -p "$dir/zk$i/data" "$dir/zk$i/datalog"
    echo "$i" >"$dir/zk$i/data/myid"
    write_zoo_cfg "$i" >"$dir/zk$i/zoo.cfg"
  done
  for id in "${ids[@]}"; do
    mkdir -p "$dir/broker$id/kafka-logs" "$dir/broker$id/logs"
    write_broker_env "$id" >"$dir/broker$id/broker.env"
  done
}

write_zoo_cfg() { # N -> docker/zookeeper/zoo.cfg for server N, on loopback ports
  local n="$1" i port
  port="ZK${n}_CLIENT_PORT"
  cat <<EOF
tickTime=2000
initLimit=10
syncLimit=5
dataDir=$dir/zk$n/data
dataLogDir=$dir/zk$n/datalog
clientPortAddress=127.0.0.1
clientPort=${!port}
maxClientCnxns=60
autopurge.snapRetainCount=3
autopurge.purgeInterval=24
# dump lists the ephemeral nodes, which is how \`status\` sees the registered brokers.
4lw.commands.whitelist=srvr,ruok,mntr,dump
admin.enableServer=false
standaloneEnabled=false
reconfigEnabled=false
EOF
  for i in "${ids[@]}"; do
    local peer="ZK${i}_PEER_PORT" election="ZK${i}_ELECTION_PORT"
    echo "server.$i=127.0.0.1:${!peer}:${!election}"
  done
}

write_broker_env() { # ID -> the GREGOR_* variables of broker ID, as docker-compose.yml sets them
  local id="$1" port metrics cluster name
  port="BROKER${id}_PORT"; metrics="BROKER${id}_METRICS_PORT"; cluster="BROKER${id}_CLUSTER_PORT"
  {
    echo "GREGOR_BROKER_ID=$id"
    echo "GREGOR_LISTENERS=PLAINTEXT://127.0.0.1:${!port}"
    echo "GREGOR_ADVERTISED_LISTENERS=PLAINTEXT://127.0.0.1:${!port}"
    echo "GREGOR_CLUSTER_LISTENER=127.0.0.1:${!cluster}"
    echo "GREGOR_METRICS_LISTENER=http://127.0.0.1:${!metrics}"
    echo "GREGOR_LOG_DIRS=$dir/broker$id/kafka-logs"
    echo "GREGOR_ZOOKEEPER_CONNECT=$ZOOKEEPER_CONNECT"
    # Shorter than compose's 18 s: a killed broker leaves the cluster (and the metrics move) sooner.
    echo "GREGOR_ZOOKEEPER_SESSION_TIMEOUT_MS=6000"
    echo "GREGOR_NUM_PARTITIONS=3"
    echo "GREGOR_DEFAULT_REPLICATION_FACTOR=3"
    echo "GREGOR_MIN_INSYNC_REPLICAS=2"
    echo "GREGOR_OFFSETS_TOPIC_REPLICATION_FACTOR=3"
    echo "GREGOR_TRANSACTION_STATE_LOG_REPLICATION_FACTOR=3"
    echo "GREGOR_TRANSACTION_STATE_LOG_MIN_ISR=2"
    echo "GREGOR_UNCLEAN_LEADER_ELECTION_ENABLE=false"
    echo "GREGOR_GROUP_INITIAL_REBALANCE_DELAY_MS=3000"
    # The caller's own GREGOR_* variables come last, so they win.
    while IFS= read -r name; do
      echo "$name=${!name}"
    done < <(compgen -e | grep '^GREGOR_' || true)
  } | while IFS='=' read -r name value; do
    # Quoted for sourcing, but only where needed, so the file stays readable.
    if [[ "$value" =~ ^[A-Za-z0-9_.,:/@+=-]*$ ]]; then echo "$name=$value"; else printf '%s=%q\n' "$name" "$value"; fi
  done
}

# ---- processes ----------------------------------------------------------------------------------

pid_of() { # NAME -> the PID in DIR/NAME.pid if that process is still one of this cluster's
  local pid
  pid="$(cat "$dir/$1.pid" 2>/dev/null)" || return 1
  # A PID file can outlive its process and the PID be reused: check the command line too.
  ps -ww -p "$pid" -o args= 2>/dev/null | grep -qF -- "$dir/$1/" && echo "$pid"
}

start_zk() { # N
  local n="$1"
  if pid_of "zk$n" >/dev/null; then return; fi
  # shellcheck disable=SC2086 # ZK_JAVA_OPTS is a list of options
  "$java" $zk_java_opts -cp "$jar" org.apache.zookeeper.server.quorum.QuorumPeerMain "$dir/zk$n/zoo.cfg" \
    >>"$dir/zk$n.log" 2>&1 </dev/null &
  echo $! >"$dir/zk$n.pid"
}

start_broker() { # ID
  local id="$1"
  (
    cd "$dir/broker$id"
    # A broker's configuration is its broker.env and nothing else, at every start: drop the
    # GREGOR_* variables this shell inherited.
    while IFS= read -r name; do unset "$name"; done < <(compgen -e | grep '^GREGOR_' || true)
    set -a
    # shellcheck source=/dev/null
    . ./broker.env
    set +a
    # exec: the PID written below is the JVM's, so kill and stop signal the broker itself.
    # shellcheck disable=SC2086 # BROKER_JAVA_OPTS is a list of options
    exec "$java" $broker_java_opts \
      -Dlog4j2.configurationFile="$dir/log4j2.xml" -Dgregor.logs.dir="$dir/broker$id/logs" \
      -jar "$jar" "$dir/server.properties"
  ) >>"$dir/broker$id.log" 2>&1 </dev/null &
  echo $! >"$dir/broker$id.pid"
}

zk_srvr() { # PORT CMD -> the four-letter word's answer
  # shellcheck disable=SC2016 # $1 and $2 are the inner shell's arguments
  timeout 5 bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$1" && printf "%s" "$2" >&3 && cat <&3' _ "$1" "$2" 2>/dev/null || true
}

zk_mode() { # N -> leader, follower, or nothing while it has no quorum
  local port="ZK${1}_CLIENT_PORT"
  zk_srvr "${!port}" srvr | sed -n 's/^Mode: //p'
}

broker_healthy() { # ID -> true when /metrics answers 200 and the Kafka listener accepts
  local port="BROKER${1}_PORT" metrics="BROKER${1}_METRICS_PORT"
  HEALTHCHECK_KAFKA_PORT="${!port}" HEALTHCHECK_METRICS_PORT="${!metrics}" "$here/healthcheck.sh" >/dev/null 2>&1
}

registered_brokers() { # -> the ids under /gregor/brokers/ids, from the leader's list of ephemeral nodes
  local i
  for i in "${ids[@]}"; do
    if [ "$(zk_mode "$i")" = leader ]; then
      local port="ZK${i}_CLIENT_PORT"
      zk_srvr "${!port}" dump | sed -n 's|^[[:space:]]*/gregor/brokers/ids/\([0-9]*\)$|\1|p' | sort -n | tr '\n' ' '
      return
    fi
  done
  echo "(no ZooKeeper leader to ask)"
}

await() { # DESCRIPTION COMMAND... -> polls COMMAND until it succeeds, for START_TIMEOUT seconds
  local what="$1" deadline=$((SECONDS + start_timeout))
  shift
  until "$@"; do
    if ((SECONDS > deadline)); then
      echo "local-cluster.sh: timed out after ${start_timeout}s waiting for $what; see the logs in $dir" >&2
      return 1
    fi
    sleep 1
  done
}

ensemble_up() {
  local i mode
  for i in "${ids[@]}"; do
    mode="$(zk_mode "$i")"
    case "$mode" in leader | follower) ;; *) return 1 ;; esac
  done
}

alive() { # NAME -> true while the process of DIR/NAME.pid runs; exits early if it died
  pid_of "$1" >/dev/null || die "$1 exited; the end of $dir/$1.log:
$(tail -n 20 "$dir/$1.log" 2>/dev/null)"
}

broker_up() { # ID
  alive "broker$1" && broker_healthy "$1"
}

signal_and_wait() { # SIGNAL NAME... -> signals the named processes and waits until they are gone
  local name pid pids=() deadline=$((SECONDS + stop_timeout))
  for name in "${@:2}"; do
    if pid="$(pid_of "$name")"; then
      kill "-$1" "$pid" 2>/dev/null || true
      pids+=("$pid")
    fi
  done
  for pid in "${pids[@]}"; do
    while kill -0 "$pid" 2>/dev/null; do
      if ((SECONDS > deadline)); then
        log "PID $pid still running after ${stop_timeout}s: SIGKILL"
        kill -9 "$pid" 2>/dev/null || true
      fi
      sleep 0.2
    done
  done
  for name in "${@:2}"; do rm -f "$dir/$name.pid"; done
}

check_id() {
  case "${1:-}" in 1 | 2 | 3) ;; *) die "broker id must be 1, 2 or 3, not '${1:-}'" ;; esac
}

load_ports() {
  [ -f "$dir/ports.env" ] || die "no cluster in $dir (run: $0 start $dir)"
  # shellcheck source=/dev/null
  . "$dir/ports.env"
}

# ---- commands -----------------------------------------------------------------------------------

cmd_start() {
  [ -f "$jar" ] || die "no $jar: build it with mvn -DskipTests package"
  if [ -f "$dir/ports.env" ]; then
    log "starting the cluster in $dir again"
  else
    create
    log "created the cluster in $dir"
  fi
  load_ports
  local i id
  for i in "${ids[@]}"; do start_zk "$i"; done
  log "waiting for the ZooKeeper ensemble ($ZOOKEEPER_CONNECT) to elect a leader"
  await "the ZooKeeper ensemble" ensemble_up
  for id in "${ids[@]}"; do
    if ! pid_of "broker$id" >/dev/null; then start_broker "$id"; fi
  done
  for id in "${ids[@]}"; do
    log "waiting for broker $id"
    await "broker $id" broker_up "$id"
  done
  log "up: bootstrap.servers=$BOOTSTRAP_SERVERS, zookeeper.connect=$ZOOKEEPER_CONNECT"
}

cmd_stop() {
  load_ports
  # Brokers first: their controlled shutdown needs ZooKeeper.
  log "stopping the brokers"
  signal_and_wait TERM broker1 broker2 broker3
  log "stopping ZooKeeper"
  signal_and_wait TERM zk1 zk2 zk3
  log "stopped"
}

cmd_kill() {
  load_ports
  pid_of "broker$1" >/dev/null || die "broker $1 is not running"
  signal_and_wait KILL "broker$1"
  log "killed broker $1"
}

cmd_restart() {
  load_ports
  [ -f "$jar" ] || die "no $jar"
  if pid="$(pid_of "broker$1")"; then die "broker $1 is running (PID $pid)"; fi
  start_broker "$1"
  await "broker $1" broker_up "$1"
  log "broker $1 is up again"
}

cmd_status() {
  load_ports
  local i id pid port metrics state
  for i in "${ids[@]}"; do
    port="ZK${i}_CLIENT_PORT"
    if pid="$(pid_of "zk$i")"; then state="PID $pid, $(zk_mode "$i" | grep . || echo 'no quorum')"; else state="stopped"; fi
    printf 'zk%s      127.0.0.1:%-6s %s\n' "$i" "${!port}" "$state"
  done
  for id in "${ids[@]}"; do
    port="BROKER${id}_PORT"; metrics="BROKER${id}_METRICS_PORT"
    if pid="$(pid_of "broker$id")"; then
      state="PID $pid, $(broker_healthy "$id" && echo healthy || echo 'not healthy'), metrics http://127.0.0.1:${!metrics}/metrics"
    else
      state="stopped"
    fi
    printf 'broker%s  127.0.0.1:%-6s %s\n' "$id" "${!port}" "$state"
  done
  echo "registered in ZooKeeper (/gregor/brokers/ids): $(registered_brokers)"
}

command="${1:-}"
[ $# -gt 0 ] && shift
case "$command" in
  start | stop | status)
    dir="${1:-${TMPDIR:-/tmp}/gregor-local-cluster}"
    ;;
  kill | restart)
    check_id "${1:-}"
    broker="$1"
    dir="${2:-${TMPDIR:-/tmp}/gregor-local-cluster}"
    ;;
  -h | --help | help) usage; exit 0 ;;
  *) usage >&2; exit 2 ;;
esac
if [ "$command" = start ]; then mkdir -p "$dir"; fi
[ -d "$dir" ] || die "no cluster in $dir"
dir="$(cd -P "$dir" && pwd)"   # absolute: it goes into the configurations and the PID checks

case "$command" in
  start) cmd_start ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  kill) cmd_kill "$broker" ;;
  restart) cmd_restart "$broker" ;;
esac
