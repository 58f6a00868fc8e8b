#!/usr/bin/env bash
# cluster.sh - three-broker replicated clusters, Gregor vs Apache Kafka 3.9.2 (ZooKeeper mode), side
# by side, with Kafka's own perf tools.
#
#   bench/cluster.sh [--quick] [--records N] [--e2e-messages N] [--reps N] [--brokers "gregor kafka"]
#                    [--tool-timeout SECONDS] [--quiet-max SECONDS] [--skip-build] [--jar PATH] [--keep]
#
# Builds Gregor's fat jar (mvn package in the repository holding this script; --jar PATH or
# BENCH_GREGOR_JAR=PATH uses that jar instead, without building) and fetches Kafka 3.9.2 with
# bench/kafka/pom.xml into bench/kafka/lib (once). Then, for each broker in turn (each repetition
# starts from fresh data), on 127.0.0.1 only:
#   - start one ZooKeeper (Kafka's QuorumPeerMain from bench/kafka/lib, for both brokers), then three
#     brokers (ids 1..3) at once; start-up = JVM launch -> all three answer ApiVersions (bash
#     /dev/tcp probe) and are registered under /brokers/ids (ZooKeeper's `dump`);
#   - summed idle RSS 10 s later; create the topics with replication factor 3 and
#     min.insync.replicas=2 (TopicCommand) and wait until every partition has a leader and all
#     three replicas in its ISR;
#   - ProducerPerformance N x 100 B, --throughput -1, acks=1 and acks=all, 1 and 6 partitions;
#   - ConsumerPerformance over the N records of the acks=1 topics (1 and 6 partitions);
#   - EndToEndLatency 20,000 x 100 B, acks=all, 1 partition (--e2e-messages 0 skips it);
#   for each run, as bench/broker.sh: the CPU seconds of the three broker processes (summed, and
#   each one's), their summed RSS after the run, GC pauses and heap allocation, the tool's CPU
#   seconds, ZooKeeper's CPU, the machine's busy CPU and load average; before each run it waits up
#   to --quiet-max seconds (default 20) for the machine to be quiet (< 0.5 core busy).
# N = 2,000,000 (--quick: 200,000 records, 2,000 e2e messages).
# Output: bench/results/<timestamp>.csv (broker,rep,test,metric,value), the tool outputs and all
# logs in bench/results/<timestamp>/, and the tables of bench/summary.py with Gregor/Kafka ratios.
#
# Each broker runs as in bench/broker.sh (Kafka: -Xmx1G -Xms1G and the G1 flags of
# kafka-server-start.sh, the shipped server.properties values; Gregor: java -jar gregor.jar
# conf/server.properties, JVM defaults, extra options from GREGOR_JVM_OPTS), plus what a
# three-broker cluster needs: its broker id, the shared zookeeper.connect (no chroot), the internal
# topics with replication factor 3 (transaction.state.log.min.isr 2), and for Gregor the event bus
# (cluster.listener) on 127.0.0.1.
set -euo pipefail

here="$(cd -P "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd -P "$here/.." && pwd)"

records=2000000; e2e_n=20000; reps=1; brokers="gregor kafka"; tool_timeout=""; build=1; keep=0; idle_wait=10; quiet_max=20
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) records=200000; e2e_n=2000; shift ;;
    --records) records="$2"; shift 2 ;;
    --e2e-messages) e2e_n="$2"; shift 2 ;;
    --reps) reps="$2"; shift 2 ;;
    --brokers) brokers="$2"; shift 2 ;;
    --tool-timeout) tool_timeout="$2"; shift 2 ;;
    --skip-build) build=0; shift ;;
    --jar) BENCH_GREGOR_JAR="$(cd -P "$(dirname "$2")" && pwd)/$(basename "$2")"; shift 2 ;;
    --quiet-max) quiet_max="$2"; shift 2 ;;
    --keep) keep=1; shift ;;
    -h|--help) sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | grep '^#' | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "cluster.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done
[ -n "$tool_timeout" ] || tool_timeout=$(( records >= 1000000 ? 300 : 120 ))
ids=(1 2 3)
e2e_acks=all

prog=cluster.sh
# shellcheck source=lib.sh
. "$here/lib.sh"
results_init
prepare_jars
workdir_init
env_common
env_rec records "$records"
env_rec e2e_messages "$e2e_n"
env_rec e2e_acks "$e2e_acks"
env_rec cluster_brokers "${#ids[@]}"
env_rec load_at_start "$(cut -d' ' -f1-3 /proc/loadavg | tr ' ' '/')"

ports=()
TOPICS="pp-p1-a1:1 pp-p1-aall:1 pp-p6-a1:6 pp-p6-aall:6 e2e-lat:1"

# ---- one cluster ----------------------------------------------------------------------------------
# zk_brokers: how many broker ids are registered in ZooKeeper (ephemeral /brokers/ids/N)
zk_brokers() {
  # shellcheck disable=SC2016  # $1 is the inner shell's
  timeout 2 bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$1" || exit 1; printf dump >&3; cat <&3' _ "$zk_port" 2>/dev/null \
    | grep -cE '^[[:space:]]*/brokers/ids/[0-9]+$' || true
}
cluster_registered() { [ "$(zk_brokers)" -ge "${#ids[@]}" ]; }

kafka_props() {  # ID PORT DIR: server.properties of Kafka broker ID (bench/broker.sh's plus the cluster's)
  cat <<EOF
broker.id=$1
listeners=PLAINTEXT://127.0.0.1:$2
advertised.listeners=PLAINTEXT://127.0.0.1:$2
zookeeper.connect=127.0.0.1:$zk_port
zookeeper.connection.timeout.ms=18000
log.dirs=$3/data
num.network.threads=3
num.io.threads=8
socket.send.buffer.bytes=102400
socket.receive.buffer.bytes=102400
socket.request.max.bytes=104857600
num.partitions=1
num.recovery.threads.per.data.dir=1
offsets.topic.replication.factor=3
transaction.state.log.replication.factor=3
transaction.state.log.min.isr=2
log.retention.hours=168
log.segment.bytes=1073741824
log.retention.check.interval.ms=300000
group.initial.rebalance.delay.ms=0
EOF
}

# start_cluster BROKER: ZooKeeper, then the three brokers at once; sets zpid, bpids, gc_logs, bdirs,
# bootstrap, startup_ms
start_cluster() {
  local b="$1" i id d p t0
  bpids=(); gc_logs=(); bdirs=(); bootstrap=""
  start_zookeeper "$work/$b-zk"
  t0="$(now_ms)"
  for id in "${ids[@]}"; do
    d="$work/$b-$id"; p="$(free_port)"
    mkdir -p "$d/data"
    bdirs+=("$d"); ports[id]="$p"; bootstrap+="${bootstrap:+,}127.0.0.1:$p"
    if [ "$b" = kafka ]; then
      kafka_props "$id" "$p" "$d" >"$d/server.properties"
      # shellcheck disable=SC2086
      launch "$d" "$java" -Xmx1G -Xms1G $perf_opts "-Xlog:gc:file=$d/gc.log:uptime,tags" \
        "-Dlog4j.configuration=file:$work/log4j.properties" "-Dkafka.logs.dir=$d" -cp "$cp" kafka.Kafka "$d/server.properties"
    else
      # shellcheck disable=SC2086
      GREGOR_BROKER_ID="$id" GREGOR_LISTENERS="PLAINTEXT://127.0.0.1:$p" GREGOR_LOG_DIRS="$d/data" \
      GREGOR_ZOOKEEPER_CONNECT="127.0.0.1:$zk_port" \
      GREGOR_CLUSTER_LISTENER="127.0.0.1:$(free_port)" GREGOR_METRICS_LISTENER="http://127.0.0.1:$(free_port)" \
      GREGOR_OFFSETS_TOPIC_REPLICATION_FACTOR=3 GREGOR_TRANSACTION_STATE_LOG_REPLICATION_FACTOR=3 \
      GREGOR_TRANSACTION_STATE_LOG_MIN_ISR=2 \
        launch "$d" "$java" ${GREGOR_JVM_OPTS:-} "-Xlog:gc:file=$d/gc.log:uptime,tags" -jar "$jar" "$root/conf/server.properties"
    fi
    bpids+=("$(pid_of "$d/pid")"); gc_logs+=("$d/gc.log")
  done
  for i in "${!ids[@]}"; do
    wait_for 180 "${bdirs[i]}/pid" api_ok "${ports[${ids[i]}]}" || { log "   broker ${ids[i]} did not answer ApiVersions"; return 1; }
  done
  wait_for 60 "$work/$b-zk/pid" cluster_registered || { log "   ZooKeeper lists $(zk_brokers) of ${#ids[@]} brokers"; return 1; }
  startup_ms=$(( $(now_ms) - t0 ))
}

# describe: TopicCommand --describe of the benchmark topics into a file, prints "partitions ready"
# (ready = a leader and all three replicas in the ISR)
describe() {
  local out="$1"
  : >"$out"
  run_tool "$out" 60 -Xmx256M org.apache.kafka.tools.TopicCommand --bootstrap-server "$bootstrap" --describe \
    --exclude-internal >/dev/null 2>&1 || true
  awk -v n="${#ids[@]}" '/Partition: / {
      p++; l = ""; s = ""
      for (i = 1; i < NF; i++) { if ($i == "Leader:") l = $(i + 1); if ($i == "Isr:") s = $(i + 1) }
      if (l != "" && l != "none" && l != "-1" && split(s, a, ",") == n) r++
    } END { printf "%d %d\n", p, r }' "$out"
}

# create_topics BROKER REP: RF 3, min.insync.replicas=2; waits until every partition is fully in
# sync; records each topic's leaders (ids in partition order)
create_topics() {
  local b="$1" r="$2" topic tries f want=0 parts ready i
  f="$raw/$b-r$r-topics.txt"
  for topic in $TOPICS; do
    want=$(( want + ${topic##*:} ))
    for ((tries = 1; tries <= 5; tries++)); do
      run_tool "$f" 60 -Xmx256M org.apache.kafka.tools.TopicCommand --bootstrap-server "$bootstrap" \
        --create --topic "${topic%%:*}" --partitions "${topic##*:}" --replication-factor 3 \
        --config min.insync.replicas=2 && break
      sleep 2
    done
    [ "$tries" -le 5 ] || log "   creating topic ${topic%%:*} failed (see $f)"
  done
  for ((i = 0; i < 30; i++)); do
    read -r parts ready <<<"$(describe "$work/describe.txt")"
    [ "$parts" -ge "$want" ] && [ "$ready" -ge "$want" ] && break
    sleep 1
  done
  cat "$work/describe.txt" >>"$f"
  rec "$b" "$r" topics ready_partitions "$ready"
  rec "$b" "$r" topics ready_wait_s "$i"
  [ "$ready" -ge "$want" ] || log "   only $ready of $want partitions have a leader and a full ISR (see $f)"
  for topic in $TOPICS; do
    rec "$b" "$r" topics "leaders_${topic%%:*}" "$(awk -v t="${topic%%:*}" '$1 == "Topic:" && $2 == t && /Partition:/ {
        for (i = 1; i < NF; i++) if ($i == "Leader:") printf "%s%s", (n++ ? ";" : ""), $(i + 1) }' "$work/describe.txt")"
  done
}

sum_ticks() {  # CPU ticks of the brokers' processes, summed
  local p s=0
  for p in "${bpids[@]}"; do s=$(( s + $(cpu_ticks "$p") )); done
  echo "$s"
}
save_logs() {  # copy every process's logs next to the results
  local b="$1" r="$2" id f
  for id in "${ids[@]}"; do
    for f in stdout.log server.log gc.log; do
      [ -f "$work/$b-$id/$f" ] && cp "$work/$b-$id/$f" "$raw/$b-r$r-broker$id-$f"
    done
  done
  [ -f "$work/$b-zk/server.log" ] && cp "$work/$b-zk/server.log" "$raw/$b-r$r-zookeeper.log"
  return 0
}
stop_cluster() {  # SIGTERM (controlled shutdown) one broker after the other, then ZooKeeper
  local b="$1" id
  for ((id = ${#ids[@]}; id >= 1; id--)); do stop_pidfile "$work/$b-$id/pid"; done
  stop_pidfile "$work/$b-zk/pid"
}
abort_cluster() {  # a broker died or did not start: keep the logs, stop what is left
  save_logs "$1" "$2"; stop_cluster "$1"
}

bench_cluster() {
  local b="$1" r="$2" parts acks t0 id kb=0 self c0
  log "== $b cluster (rep $r) load $(cut -d' ' -f1-3 /proc/loadavg)"
  if ! start_cluster "$b"; then
    rec "$b" "$r" startup failed 1; abort_cluster "$b" "$r"
    log "   the $b cluster did not start within the time limits; logs in $raw"; return 1
  fi
  rec "$b" "$r" startup ms "$startup_ms"
  if [ "$b" = gregor ]; then
    self="$(for id in "${ids[@]}"; do sed -n 's/.*started in \([0-9]*\) ms.*/\1/p' "$work/$b-$id/stdout.log" | head -1; done | sort -n | tail -1)"
    rec "$b" "$r" startup self_reported_ms "$self"
  fi
  log "   up on $bootstrap in $startup_ms ms (pids ${bpids[*]}, ZooKeeper $zpid on $zk_port)"
  c0="$(sum_ticks)"
  sleep "$idle_wait"
  rec "$b" "$r" idle cpu_s_waiting "$(secs $(( $(sum_ticks) - c0 )))"
  rec "$b" "$r" idle wait_s "$idle_wait"
  rec_rss "$b" "$r" idle "${bpids[@]}"
  rec "$b" "$r" idle cpu_s "$(secs "$(sum_ticks)")"
  rec "$b" "$r" idle zk_rss_kib "$(rss_kib "$zpid")"
  create_topics "$b" "$r"

  for parts in 1 6; do
    for acks in 1 all; do
      produce_run "$b" "$r" "produce-p$parts-acks$acks" "pp-p$parts-a$acks" "$acks" "$bootstrap" \
        || { abort_cluster "$b" "$r"; return 1; }
    done
  done
  for parts in 1 6; do
    consume_run "$b" "$r" "consume-p$parts" "pp-p$parts-a1" "$bootstrap" || { abort_cluster "$b" "$r"; return 1; }
  done
  if [ "$e2e_n" -gt 0 ]; then
    e2e_run "$b" "$r" e2e-lat "$e2e_acks" "$bootstrap" || { abort_cluster "$b" "$r"; return 1; }
  fi

  rec_rss "$b" "$r" after_load "${bpids[@]}"
  rec_threads "$b" "$r" "${bpids[@]}"
  rec "$b" "$r" after_load cpu_s "$(secs "$(sum_ticks)")"
  for id in "${ids[@]}"; do rec "$b" "$r" after_load "cpu_s_broker$id" "$(secs "$(cpu_ticks "${bpids[id - 1]}")")"; done
  rec "$b" "$r" after_load zk_rss_kib "$(rss_kib "$zpid")"
  for id in "${ids[@]}"; do kb=$(( kb + $(du -sk "$work/$b-$id/data" | awk '{print $1}') )); done
  rec "$b" "$r" after_load data_kib "$kb"
  # stop: SIGTERM = controlled shutdown, one broker after the other, time it
  t0="$(now_ms)"
  for ((id = ${#ids[@]}; id >= 1; id--)); do stop_pidfile "$work/$b-$id/pid"; done
  rec "$b" "$r" shutdown ms "$(( $(now_ms) - t0 ))"
  save_logs "$b" "$r"
  stop_cluster "$b"
  rm -rf "${work:?}/$b-"*
  return 0
}

log "results: $csv (raw outputs and logs in $raw/); records=$records e2e=$e2e_n (acks=$e2e_acks) reps=$reps timeout=${tool_timeout}s"
run_reps bench_cluster
