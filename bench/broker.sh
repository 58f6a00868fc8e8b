#!/usr/bin/env bash
# broker.sh - Gregor vs Apache Kafka 3.9.2 (ZooKeeper mode), side by side, with Kafka's own perf tools.
#
#   bench/broker.sh [--quick] [--records N] [--reps N] [--brokers "gregor kafka"]
#                   [--tool-timeout SECONDS] [--quiet-max SECONDS] [--skip-build] [--keep]
#
# Builds Gregor's fat jar (mvn package in the repository holding this script) and fetches
# Kafka 3.9.2 with bench/kafka/pom.xml into bench/kafka/lib (once). Then, for each broker in
# turn (each repetition starts from fresh data), on 127.0.0.1 only:
#   - start the broker; start-up = JVM launch -> first ApiVersions answer (bash /dev/tcp probe);
#     Kafka's ZooKeeper is started first and is not part of Kafka's start-up time, Gregor's
#     embedded ZooKeeper is part of Gregor's;
#   - idle RSS 10 s after start-up; create the topics (TopicCommand);
#   - ProducerPerformance N x 100 B, --throughput -1, acks=1 and acks=all, 1 and 6 partitions;
#   - ConsumerPerformance over the N records of the acks=1 topics (1 and 6 partitions);
#   - EndToEndLatency 20,000 x 100 B, acks=1, 1 partition;
#   for each run: the broker's CPU seconds (utime+stime delta from /proc/PID/stat), its RSS
#   (VmRSS, anonymous and file-backed parts) after the run, its GC pauses (from -Xlog:gc) and heap
#   allocation (freed by GC + growth in use, with jstat), the tool's CPU seconds, the whole
#   machine's busy CPU seconds and load average (to see noise from other processes). Before each run
#   it waits up to --quiet-max seconds (default 20) for the machine to be quiet (< 0.5 core busy).
# N = 2,000,000 (--quick: 200,000 records, 2,000 e2e messages).
# Output: bench/results/<timestamp>.csv (broker,rep,test,metric,value), the tool outputs and broker
# logs in bench/results/<timestamp>/, and a summary table (bench/summary.py) with Gregor/Kafka ratios.
#
# Kafka runs as its bin scripts run it: kafka-server-start.sh (-Xmx1G -Xms1G, the G1 flags of
# KAFKA_JVM_PERFORMANCE_OPTS, shipped config/server.properties values plus
# group.initial.rebalance.delay.ms=0), zookeeper-server-start.sh (-Xmx512M -Xms512M), the perf tools
# with -Xmx512M. Gregor runs as documented: java -jar gregor.jar conf/server.properties, with only
# the listener, data directories and ports overridden through GREGOR_* variables
# (extra JVM options: GREGOR_JVM_OPTS). Both brokers log GC pauses with -Xlog:gc.
# BENCH_GREGOR_JAR=PATH benchmarks that jar instead of building this repository's.
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
    --quiet-max) quiet_max="$2"; shift 2 ;;
    --keep) keep=1; shift ;;
    -h|--help) sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | grep '^#' | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "broker.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done
# a run that takes longer than this is reported as a hang (Kafka needs ~10 s for 2M records here)
[ -n "$tool_timeout" ] || tool_timeout=$(( records >= 1000000 ? 300 : 120 ))
prog=broker.sh
# shellcheck source=lib.sh
. "$here/lib.sh"
results_init
prepare_jars
workdir_init
env_common
env_rec records "$records"
env_rec e2e_messages "$e2e_n"
env_rec load_at_start "$(cut -d' ' -f1-3 /proc/loadavg | tr ' ' '/')"

# ---- one broker -----------------------------------------------------------------------------------
start_kafka() {  # sets bpid (and bpids, gc_logs), port, startup_ms, bdir
  bdir="$work/kafka"
  start_zookeeper "$work/kafka-zk"
  port="$(free_port)"
  mkdir -p "$bdir/data"
  cat >"$bdir/server.properties" <<EOF
broker.id=0
listeners=PLAINTEXT://127.0.0.1:$port
advertised.listeners=PLAINTEXT://127.0.0.1:$port
zookeeper.connect=127.0.0.1:$zk_port
zookeeper.connection.timeout.ms=18000
log.dirs=$bdir/data
num.network.threads=3
num.io.threads=8
socket.send.buffer.bytes=102400
socket.receive.buffer.bytes=102400
socket.request.max.bytes=104857600
num.partitions=1
num.recovery.threads.per.data.dir=1
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
log.retention.hours=168
log.segment.bytes=1073741824
log.retention.check.interval.ms=300000
group.initial.rebalance.delay.ms=0
EOF
  local t0; t0="$(now_ms)"
  # shellcheck disable=SC2086
  launch "$bdir" "$java" -Xmx1G -Xms1G $perf_opts "-Xlog:gc:file=$bdir/gc.log:uptime,tags" \
    "-Dlog4j.configuration=file:$work/log4j.properties" "-Dkafka.logs.dir=$bdir" -cp "$cp" kafka.Kafka "$bdir/server.properties"
  bpid="$(pid_of "$bdir/pid")"; bpids=("$bpid"); gc_logs=("$bdir/gc.log")
  wait_for 120 "$bdir/pid" api_ok "$port" || return 1
  startup_ms=$(( $(now_ms) - t0 ))
}
start_gregor() {  # sets bpid (and bpids, gc_logs), port, startup_ms, bdir
  bdir="$work/gregor"; port="$(free_port)"; zpid=""
  mkdir -p "$bdir/data" "$bdir/zookeeper"
  local t0; t0="$(now_ms)"
  # shellcheck disable=SC2086
  GREGOR_LISTENERS="PLAINTEXT://127.0.0.1:$port" GREGOR_LOG_DIRS="$bdir/data" \
  GREGOR_ZOOKEEPER_CONNECT=embedded GREGOR_ZOOKEEPER_EMBEDDED_PORT=0 GREGOR_ZOOKEEPER_EMBEDDED_DATA_DIR="$bdir/zookeeper" \
  GREGOR_METRICS_LISTENER="http://127.0.0.1:$(free_port)" \
    launch "$bdir" "$java" ${GREGOR_JVM_OPTS:-} "-Xlog:gc:file=$bdir/gc.log:uptime,tags" -jar "$jar" "$root/conf/server.properties"
  bpid="$(pid_of "$bdir/pid")"; bpids=("$bpid"); gc_logs=("$bdir/gc.log")
  wait_for 120 "$bdir/pid" api_ok "$port" || return 1
  startup_ms=$(( $(now_ms) - t0 ))
}
save_logs() {  # copy the broker's logs next to the results
  local b="$1" r="$2" f
  for f in "$bdir/stdout.log" "$bdir/server.log" "$bdir/gc.log" "$work/kafka-zk/server.log"; do
    [ -f "$f" ] || continue
    case "$f" in */kafka-zk/*) [ "$b" = kafka ] || continue; cp "$f" "$raw/$b-r$r-zookeeper.log" ;;
                 *) cp "$f" "$raw/$b-r$r-$(basename "$f")" ;; esac
  done
}

abort_broker() {  # the broker died: keep its logs, stop what is left
  save_logs "$1" "$2"; stop_pidfile "$bdir/pid"; stop_pidfile "$work/kafka-zk/pid"
}

bench_broker() {
  local b="$1" r="$2" B parts acks topic t0
  log "== $b (rep $r) load $(cut -d' ' -f1-3 /proc/loadavg)"
  if ! "start_$b"; then
    save_logs "$b" "$r"; rec "$b" "$r" startup failed 1
    stop_pidfile "$bdir/pid"; [ "$b" = kafka ] && stop_pidfile "$work/kafka-zk/pid"
    log "   $b did not answer ApiVersions within 120 s; logs in $raw"; return 1
  fi
  B="127.0.0.1:$port"
  rec "$b" "$r" startup ms "$startup_ms"
  [ "$b" = gregor ] && rec "$b" "$r" startup self_reported_ms \
    "$(sed -n 's/.*started in \([0-9]*\) ms.*/\1/p' "$bdir/stdout.log" | head -1)"
  log "   up on $B in $startup_ms ms (pid $bpid)"
  sleep "$idle_wait"
  rec_rss "$b" "$r" idle "$bpid"
  rec "$b" "$r" idle cpu_s "$(secs "$(cpu_ticks "$bpid")")"
  [ -n "$zpid" ] && rec "$b" "$r" idle zk_rss_kib "$(rss_kib "$zpid")"
  for topic in pp-p1-a1:1 pp-p1-aall:1 pp-p6-a1:6 pp-p6-aall:6 e2e-lat:1; do
    run_tool "$raw/$b-r$r-topics.txt" 60 -Xmx256M org.apache.kafka.tools.TopicCommand --bootstrap-server "$B" \
      --create --topic "${topic%%:*}" --partitions "${topic##*:}" --replication-factor 1 \
      || log "   creating topic ${topic%%:*} failed (see $raw/$b-r$r-topics.txt)"
  done

  for parts in 1 6; do
    for acks in 1 all; do
      produce_run "$b" "$r" "produce-p$parts-acks$acks" "pp-p$parts-a$acks" "$acks" "$B" || { abort_broker "$b" "$r"; return 1; }
    done
  done
  for parts in 1 6; do
    consume_run "$b" "$r" "consume-p$parts" "pp-p$parts-a1" "$B" || { abort_broker "$b" "$r"; return 1; }
  done
  e2e_run "$b" "$r" e2e-lat 1 "$B" || { abort_broker "$b" "$r"; return 1; }

  rec_rss "$b" "$r" after_load "$bpid"
  rec_threads "$b" "$r" "$bpid"
  rec "$b" "$r" after_load cpu_s "$(secs "$(cpu_ticks "$bpid")")"
  [ -n "$zpid" ] && rec "$b" "$r" after_load zk_rss_kib "$(rss_kib "$zpid")"
  du -sk "$bdir/data" | awk '{print $1}' | { read -r kb; rec "$b" "$r" after_load data_kib "$kb"; }
  # stop: SIGTERM = controlled shutdown, time it
  t0="$(now_ms)"
  stop_pidfile "$bdir/pid"
  rec "$b" "$r" shutdown ms "$(( $(now_ms) - t0 ))"
  save_logs "$b" "$r"
  [ "$b" = kafka ] && stop_pidfile "$work/kafka-zk/pid"
  rm -rf "${work:?}/$b" "${work:?}/kafka-zk"
  return 0
}

log "results: $csv (raw outputs and broker logs in $raw/); records=$records e2e=$e2e_n reps=$reps timeout=${tool_timeout}s"
run_reps bench_broker
