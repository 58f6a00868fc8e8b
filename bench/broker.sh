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
set -euo pipefail

here="$(cd -P "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd -P "$here/.." && pwd)"
KAFKA_VERSION=3.9.2
LIB="$here/kafka/lib"

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

die() { echo "broker.sh: $*" >&2; exit 1; }
now_ms() { date +%s%3N; }
log() { echo "[$(date +%T)] $*"; }
java="java"; [ -n "${JAVA_HOME:-}" ] && java="$JAVA_HOME/bin/java"
command -v "$java" >/dev/null || die "java (17+) not found"
command -v mvn >/dev/null || die "mvn not found"
CLK_TCK="$(getconf CLK_TCK)"

# ---- build Gregor and fetch Kafka -----------------------------------------------------------------
ts="$(date +%Y%m%d-%H%M%S)"
results="$here/results"; raw="$results/$ts"; csv="$results/$ts.csv"
mkdir -p "$raw"
mvn_quiet() {  # offline first (everything is usually in ~/.m2), then online
  mvn -B -q -o "$@" >>"$raw/maven.log" 2>&1 || mvn -B -q "$@" >>"$raw/maven.log" 2>&1
}
jar="$root/verticles/target/gregor.jar"
if [[ " $brokers " == *" gregor "* ]]; then
  if [ "$build" = 1 ]; then
    log "building Gregor (mvn package in $root)"
    mvn_quiet -f "$root/pom.xml" -DskipTests package || { tail -30 "$raw/maven.log" >&2; die "Gregor build failed"; }
  fi
  [ -f "$jar" ] || die "no $jar (build failed or --skip-build without a jar)"
fi
if [ ! -f "$LIB/.complete" ]; then
  log "fetching Apache Kafka $KAFKA_VERSION into $LIB"
  rm -rf "$LIB"
  mvn_quiet -f "$here/kafka/pom.xml" dependency:copy-dependencies || { tail -30 "$raw/maven.log" >&2; die "fetching Kafka failed"; }
  ls "$LIB"/kafka_2.13-*.jar >/dev/null 2>&1 || die "no kafka_2.13 jar in $LIB"
  touch "$LIB/.complete"
fi
cp="$LIB/*"

# ---- processes, cleanup ---------------------------------------------------------------------------
work="$(mktemp -d "${TMPDIR:-/tmp}/gregor-bench.XXXXXX")"
started=()     # pid files of the JVMs this script launched
tool_pid=""
pid_of() { cat "$1" 2>/dev/null || true; }
alive() { [ -n "$1" ] && [ -r "/proc/$1/cmdline" ] && tr '\0' ' ' <"/proc/$1/cmdline" | grep -qF -- "$work/"; }
stop_pidfile() {  # SIGTERM, wait up to 30 s, SIGKILL; only a process whose command line names our dir
  local f="$1" pid i
  pid="$(pid_of "$f")"
  alive "$pid" || return 0
  kill "$pid" 2>/dev/null || true
  for ((i = 0; i < 300; i++)); do alive "$pid" || return 0; sleep 0.1; done
  echo "broker.sh: pid $pid ($f) ignored SIGTERM for 30 s, killing it" >&2
  kill -9 "$pid" 2>/dev/null || true
}
cleanup() {
  local rc=$? f
  trap - EXIT INT TERM
  if [ -n "$tool_pid" ] && kill -0 "$tool_pid" 2>/dev/null; then kill "$tool_pid" 2>/dev/null || true; fi
  for f in ${started[@]+"${started[@]}"}; do stop_pidfile "$f"; done
  if [ "$keep" = 1 ]; then echo "broker.sh: kept $work" >&2; else rm -rf "$work"; fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# launch DIR ARGS...: detached JVM (own session) whose pid is written to DIR/pid by itself
launch() {
  local d="$1"; shift
  mkdir -p "$d"; rm -f "$d/pid"
  (cd "$d" && setsid bash -c 'echo $$ >pid; exec "$@"' _ "$@" </dev/null >"$d/stdout.log" 2>&1 &)
  local i; for ((i = 0; i < 200; i++)); do [ -s "$d/pid" ] && break; sleep 0.01; done
  [ -s "$d/pid" ] || die "could not launch $*"
  started+=("$d/pid")
}

# ---- probes (bash /dev/tcp, no JVM) ---------------------------------------------------------------
# ApiVersions v0, correlation id 1, empty client id: the answer must carry correlation id 1, error 0
api_ok() {
  local out
  out="$(timeout 2 bash -c '
      exec 3<>"/dev/tcp/127.0.0.1/$1" || exit 1
      printf "\x00\x00\x00\x0a\x00\x12\x00\x00\x00\x00\x00\x01\x00\x00" >&3
      head -c 10 <&3 | od -An -tx1' _ "$1" 2>/dev/null)" || return 1
  out="$(echo $out)"
  [ "${out:12}" = "00 00 00 01 00 00" ]
}
zk_ok() {
  local out
  out="$(timeout 2 bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$1" || exit 1; printf ruok >&3; head -c 4 <&3' _ "$1" 2>/dev/null)" || return 1
  [ "$out" = imok ]
}
port_busy() { timeout 1 bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$1"' _ "$1" 2>/dev/null; }
free_port() {  # a random high port nobody listens on (and not handed out before in this run)
  local p
  while :; do
    p=$(( 20000 + (RANDOM * 32768 + RANDOM) % 30000 ))
    [[ " ${used_ports:-} " == *" $p "* ]] && continue
    port_busy "$p" && continue
    used_ports="${used_ports:-} $p"; echo "$p"; return
  done
}
wait_for() {  # wait_for SECONDS PIDFILE CHECK ARGS...: 0 ready, 1 timeout, 2 process died
  local deadline=$(( $(now_ms) + $1 * 1000 )) pidf="$2"; shift 2
  while [ "$(now_ms)" -lt "$deadline" ]; do
    "$@" && return 0
    kill -0 "$(pid_of "$pidf")" 2>/dev/null || return 2
    sleep 0.02
  done
  return 1
}

# ---- measurements ---------------------------------------------------------------------------------
cpu_ticks() { [ -r "/proc/$1/stat" ] && sed 's/^.*) //' "/proc/$1/stat" | awk '{print $12 + $13}' || echo 0; }
rss_kib() { awk -v k="${2:-VmRSS}:" '$1 == k {print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }
rec_rss() {  # rec_rss BROKER REP TEST PID [PREFIX]: VmRSS and its anonymous / file-backed parts
  rec "$1" "$2" "$3" "${5:-}rss_kib" "$(rss_kib "$4")"
  rec "$1" "$2" "$3" "${5:-}rss_anon_kib" "$(rss_kib "$4" RssAnon)"
  rec "$1" "$2" "$3" "${5:-}rss_file_kib" "$(rss_kib "$4" RssFile)"
}
child_ticks() { sed 's/^.*) //' "/proc/$$/stat" | awk '{print $14 + $15}'; }   # reaped children of this shell
machine_ticks() { awk '/^cpu / {print $2 + $3 + $4 + $7 + $8 + $9}' /proc/stat; }  # busy, all CPUs
steal_ticks() { awk '/^cpu / {print $9}' /proc/stat; }
load1() { cut -d' ' -f1 /proc/loadavg; }
secs() { awk -v t="$1" -v h="$CLK_TCK" 'BEGIN {printf "%.2f", t / h}'; }
gc_bytes() { stat -c %s "$1" 2>/dev/null || echo 0; }
# gc_summary FILE FROM-BYTE: "count total_ms max_ms freed_mib" of the GC pauses logged after FROM-BYTE
gc_summary() {
  awk -v from="$2" '
    function mib(s,  v) { v = s + 0; if (s ~ /G$/) v *= 1024; else if (s ~ /K$/) v /= 1024; return v }
    { pos += length($0) + 1 }
    pos > from && /Pause/ {
      if (match($0, /[0-9.]+ms$/)) { v = substr($0, RSTART, RLENGTH - 2) + 0; n++; s += v; if (v > m) m = v }
      if (match($0, /[0-9.]+[KMG]->[0-9.]+[KMG]\(/)) {
        split(substr($0, RSTART, RLENGTH - 1), h, "->"); if (mib(h[1]) > mib(h[2])) f += mib(h[1]) - mib(h[2])
      }
    }
    END { printf "%d %.1f %.1f %.0f\n", n, s, m, f }' "$1" 2>/dev/null || echo "0 0 0 0"
}
# heap in use (KiB): survivors + eden + old, from jstat (run outside the measured window)
heap_used_kib() {
  { command -v jstat >/dev/null && jstat -gc "$1" 2>/dev/null; } | awk 'NR == 2 {printf "%.0f", $3 + $4 + $6 + $8; ok = 1} END {if (!ok) print ""}'
}

echo "broker,rep,test,metric,value" >"$csv"
rec() { echo "$1,$2,$3,$4,$5" >>"$csv"; }
env_rec() { rec env 0 "$1" value "$(echo "$2" | tr ',' ';')"; }
env_rec cpus "$(nproc)"
env_rec cpu_model "$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)"
env_rec mem_gib "$(awk '/^MemTotal:/ {printf "%.0f", $2 / 1048576}' /proc/meminfo)"
env_rec kernel "$(uname -r)"
env_rec java "$("$java" -version 2>&1 | head -1 | tr -d '"')"
env_rec kafka "$KAFKA_VERSION (ZooKeeper $(ls "$LIB" | sed -n 's/^zookeeper-\([0-9.]*\)\.jar$/\1/p'))"
env_rec gregor "$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)$(git -C "$root" diff --quiet HEAD -- 2>/dev/null || echo +changes)"
env_rec records "$records"
env_rec e2e_messages "$e2e_n"
env_rec load_at_start "$(cut -d' ' -f1-3 /proc/loadavg | tr ' ' '/')"

perf_opts="-server -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:InitiatingHeapOccupancyPercent=35 -XX:+ExplicitGCInvokesConcurrent -XX:MaxInlineLevel=15 -Djava.awt.headless=true"
cat >"$work/tools-log4j.properties" <<'EOF'
log4j.rootLogger=WARN, stderr
log4j.appender.stderr=org.apache.log4j.ConsoleAppender
log4j.appender.stderr.layout=org.apache.log4j.PatternLayout
log4j.appender.stderr.layout.ConversionPattern=[%d] %p %m (%c)%n
log4j.appender.stderr.Target=System.err
EOF
cat >"$work/log4j.properties" <<'EOF'
log4j.rootLogger=INFO, file
log4j.appender.file=org.apache.log4j.FileAppender
log4j.appender.file.File=${kafka.logs.dir}/server.log
log4j.appender.file.layout=org.apache.log4j.PatternLayout
log4j.appender.file.layout.ConversionPattern=[%d] %p %m (%c)%n
log4j.logger.kafka.request.logger=WARN
EOF

# run_tool OUTFILE TIMEOUT HEAP CLASS ARGS...: a Kafka tool, as kafka-run-class.sh runs it, in the
# background so that cleanup can stop it
run_tool() {
  local out="$1" secs="$2" heap="$3" rc=0; shift 3
  # shellcheck disable=SC2086
  timeout "$secs" "$java" $heap $perf_opts "-Dlog4j.configuration=file:$work/tools-log4j.properties" -cp "$cp" "$@" \
    </dev/null >>"$out" 2>&1 &
  tool_pid=$!
  wait "$tool_pid" || rc=$?
  tool_pid=""
  return "$rc"
}

# ---- one broker -----------------------------------------------------------------------------------
start_kafka() {  # sets bpid, port, startup_ms, bdir
  local zd="$work/kafka-zk" zk_port; bdir="$work/kafka"
  zk_port="$(free_port)"; port="$(free_port)"
  mkdir -p "$zd/data" "$bdir/data"
  cat >"$zd/zookeeper.properties" <<EOF
dataDir=$zd/data
clientPort=$zk_port
clientPortAddress=127.0.0.1
maxClientCnxns=0
admin.enableServer=false
4lw.commands.whitelist=ruok,srvr,stat,mntr
EOF
  # shellcheck disable=SC2086
  launch "$zd" "$java" -Xmx512M -Xms512M $perf_opts "-Dlog4j.configuration=file:$work/log4j.properties" \
    "-Dkafka.logs.dir=$zd" -cp "$cp" org.apache.zookeeper.server.quorum.QuorumPeerMain "$zd/zookeeper.properties"
  zpid="$(pid_of "$zd/pid")"
  wait_for 60 "$zd/pid" zk_ok "$zk_port" || { tail -20 "$zd/server.log" >&2; die "ZooKeeper did not start"; }
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
  bpid="$(pid_of "$bdir/pid")"
  wait_for 120 "$bdir/pid" api_ok "$port" || return 1
  startup_ms=$(( $(now_ms) - t0 ))
}
start_gregor() {  # sets bpid, port, startup_ms, bdir
  bdir="$work/gregor"; port="$(free_port)"; zpid=""
  mkdir -p "$bdir/data" "$bdir/zookeeper"
  local t0; t0="$(now_ms)"
  # shellcheck disable=SC2086
  GREGOR_LISTENERS="PLAINTEXT://127.0.0.1:$port" GREGOR_LOG_DIRS="$bdir/data" \
  GREGOR_ZOOKEEPER_CONNECT=embedded GREGOR_ZOOKEEPER_EMBEDDED_PORT=0 GREGOR_ZOOKEEPER_EMBEDDED_DATA_DIR="$bdir/zookeeper" \
  GREGOR_METRICS_LISTENER="http://127.0.0.1:$(free_port)" \
    launch "$bdir" "$java" ${GREGOR_JVM_OPTS:-} "-Xlog:gc:file=$bdir/gc.log:uptime,tags" -jar "$jar" "$root/conf/server.properties"
  bpid="$(pid_of "$bdir/pid")"
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

# quiet: wait (at most quiet_max s) until the machine's busy CPU over 1 s is below half a core, so
# that a run does not start in the middle of someone else's burst; prints "busy% waited_s"
quiet() {
  local i m0 m1 busy=0
  for ((i = 0; i < quiet_max; i++)); do
    m0="$(machine_ticks)"; sleep 1; m1="$(machine_ticks)"
    busy=$(( (m1 - m0) * 100 / CLK_TCK ))
    [ "$busy" -lt 50 ] && break
  done
  echo "$busy $i"
}

# measured BROKER REP TEST RECORDS OUTFILE CLASS-AND-ARGS...: run one tool, record the resources
measured() {
  local b="$1" r="$2" t="$3" n="$4" out="$5"; shift 5
  local c0 z0 k0 m0 s0 g0 w0 rc=0 c1 z1 k1 m1 s1 w1 gcn gcms gcmax gcfreed u0 u1
  local qb qw
  read -r qb qw <<<"$(quiet)"
  echo "# $b $t, load before: $(cut -d' ' -f1-3 /proc/loadavg), busy before: $qb% of one core after waiting $qw s" >"$out"
  rec "$b" "$r" "$t" load1 "$(load1)"
  rec "$b" "$r" "$t" busy_before_pct "$qb"; rec "$b" "$r" "$t" quiet_wait_s "$qw"
  u0="$(heap_used_kib "$bpid")"; g0="$(gc_bytes "$bdir/gc.log")"
  c0="$(cpu_ticks "$bpid")"; z0="$( [ -n "$zpid" ] && cpu_ticks "$zpid" || echo 0)"
  k0="$(child_ticks)"; m0="$(machine_ticks)"; s0="$(steal_ticks)"; w0="$(now_ms)"
  run_tool "$out" "$tool_timeout" "$@" || rc=$?
  w1="$(now_ms)"; c1="$(cpu_ticks "$bpid")"; z1="$( [ -n "$zpid" ] && cpu_ticks "$zpid" || echo 0)"
  k1="$(child_ticks)"; m1="$(machine_ticks)"; s1="$(steal_ticks)"
  read -r gcn gcms gcmax gcfreed <<<"$(gc_summary "$bdir/gc.log" "$g0")"
  u1="$(heap_used_kib "$bpid")"
  rec "$b" "$r" "$t" records "$n"
  rec "$b" "$r" "$t" exit_code "$rc"
  rec "$b" "$r" "$t" wall_s "$(awk -v a="$w0" -v z="$w1" 'BEGIN {printf "%.2f", (z - a) / 1000}')"
  rec "$b" "$r" "$t" broker_cpu_s "$(secs $((c1 - c0)))"
  [ -n "$zpid" ] && rec "$b" "$r" "$t" zk_cpu_s "$(secs $((z1 - z0)))"
  rec "$b" "$r" "$t" tool_cpu_s "$(secs $((k1 - k0)))"
  rec "$b" "$r" "$t" machine_cpu_s "$(secs $((m1 - m0)))"
  rec "$b" "$r" "$t" steal_s "$(secs $((s1 - s0)))"
  rec_rss "$b" "$r" "$t" "$bpid"
  rec "$b" "$r" "$t" gc_pauses "$gcn"; rec "$b" "$r" "$t" gc_pause_ms "$gcms"; rec "$b" "$r" "$t" gc_max_pause_ms "$gcmax"
  # heap allocated during the run = what the collections freed + the growth of the heap in use
  [ -n "$u0" ] && [ -n "$u1" ] && rec "$b" "$r" "$t" heap_alloc_mib "$(( gcfreed + (u1 - u0) / 1024 ))"
  if [ "$rc" != 0 ]; then  # the first exception the tool printed, for the summary
    rec "$b" "$r" "$t" error_text "$(grep -m1 -E '^[a-zA-Z0-9_.$]+(Exception|Error)|ERROR' "$out" | cut -c1-200 | tr ',' ';')"
  fi
  if [ "$rc" = 124 ]; then
    echo "# TIMEOUT after $tool_timeout s" >>"$out"; log "   $t: TIMEOUT after ${tool_timeout}s (see $out)"
  elif [ "$rc" != 0 ]; then
    log "   $t: exit code $rc (see $out)"
  fi
  kill -0 "$bpid" 2>/dev/null || { log "   the broker died during $t"; rec "$b" "$r" "$t" broker_died 1; return 1; }
  return 0
}

bench_broker() {
  local b="$1" r="$2" B parts acks topic f t last rps mbs avg p50 p99 n nps reb fnps fmbs errs
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
      t="produce-p$parts-acks$acks"; f="$raw/$b-r$r-$t.txt"
      measured "$b" "$r" "$t" "$records" "$f" -Xmx512M org.apache.kafka.tools.ProducerPerformance \
        --topic "pp-p$parts-a$acks" --num-records "$records" --record-size 100 --throughput -1 \
        --producer-props bootstrap.servers="$B" acks="$acks" || { abort_broker "$b" "$r"; return 1; }
      # 2000000 records sent, 412345.6 records/sec (39.33 MB/sec), 45.2 ms avg latency, 300.0 ms max latency, 40 ms 50th, 120 ms 95th, 200 ms 99th, 290 ms 99.9th.
      last="$(grep 'records sent' "$f" | tail -1 || true)"
      if [ -n "$last" ]; then
        read -r n rps mbs avg p50 p99 <<<"$(echo "$last" | sed -E 's/^([0-9]+) records sent, ([0-9.]+) records\/sec \(([0-9.]+) MB\/sec\), ([0-9.]+) ms avg latency.* ([0-9.]+) ms 50th.* ([0-9.]+) ms 99th.*/\1 \2 \3 \4 \5 \6/')"
        rec "$b" "$r" "$t" sent "$n"; rec "$b" "$r" "$t" rec_per_s "$rps"; rec "$b" "$r" "$t" mb_per_s "$mbs"
        rec "$b" "$r" "$t" avg_ms "$avg"; rec "$b" "$r" "$t" p50_ms "$p50"; rec "$b" "$r" "$t" p99_ms "$p99"
        log "   $t: $rps rec/s ($mbs MB/s), avg $avg ms, p50 $p50 ms, p99 $p99 ms"
      else
        log "   $t: no result"
      fi
      errs="$(grep -c 'ERROR\|Exception' "$f" || true)"; rec "$b" "$r" "$t" client_error_lines "$errs"
    done
  done

  for parts in 1 6; do
    t="consume-p$parts"; f="$raw/$b-r$r-$t.txt"
    measured "$b" "$r" "$t" "$records" "$f" -Xmx512M org.apache.kafka.tools.ConsumerPerformance \
      --bootstrap-server "$B" --topic "pp-p$parts-a1" --messages "$records" --timeout 10000 \
      || { abort_broker "$b" "$r"; return 1; }
    # start.time, end.time, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec, rebalance.time.ms, fetch.time.ms, fetch.MB.sec, fetch.nMsg.sec
    last="$(grep -E '^[0-9]{4}-' "$f" | tail -1 || true)"
    if [ -n "$last" ]; then
      IFS=', ' read -r _ _ _ _ _ mbs n nps reb _ fmbs fnps <<<"$last"
      rec "$b" "$r" "$t" consumed "$n"; rec "$b" "$r" "$t" rec_per_s "$nps"; rec "$b" "$r" "$t" mb_per_s "$mbs"
      rec "$b" "$r" "$t" rebalance_ms "$reb"; rec "$b" "$r" "$t" fetch_rec_per_s "$fnps"; rec "$b" "$r" "$t" fetch_mb_per_s "$fmbs"
      log "   $t: $n records, $nps rec/s ($mbs MB/s) incl. group join of $reb ms; fetch-only $fnps rec/s"
    else
      log "   $t: no result"
    fi
    errs="$(grep -c 'ERROR\|Exception\|WARNING' "$f" || true)"; rec "$b" "$r" "$t" client_error_lines "$errs"
  done

  t=e2e; f="$raw/$b-r$r-e2e.txt"
  measured "$b" "$r" "$t" "$e2e_n" "$f" -Xmx512M org.apache.kafka.tools.EndToEndLatency "$B" e2e-lat "$e2e_n" 1 100 \
    || { abort_broker "$b" "$r"; return 1; }
  # Avg latency: 0.9414 ms / Percentiles: 50th = 0, 99th = 6, 99.9th = 12
  avg="$(sed -nE 's/^Avg latency: ([0-9.]+) ms.*/\1/p' "$f")"
  read -r p50 p99 p999 <<<"$(sed -nE 's/.*50th = ([0-9.]+), 99th = ([0-9.]+), 99.9th = ([0-9.]+).*/\1 \2 \3/p' "$f")"
  if [ -n "$avg" ]; then
    rec "$b" "$r" "$t" avg_ms "$avg"; rec "$b" "$r" "$t" p50_ms "$p50"; rec "$b" "$r" "$t" p99_ms "$p99"; rec "$b" "$r" "$t" p999_ms "$p999"
    rec "$b" "$r" "$t" rec_per_s "$(awk -v n="$e2e_n" -v a="$avg" 'BEGIN {if (a > 0) printf "%.1f", 1000 / a; else print 0}')"
    log "   e2e: avg $avg ms, p50 $p50, p99 $p99, p99.9 $p999 (whole ms, truncated)"
  else
    log "   e2e: no result"
  fi

  rec_rss "$b" "$r" after_load "$bpid"
  # the broker's CPU seconds by thread (jcmd Thread.print: cpu=...ms), numbers in names folded to N
  jcmd "$bpid" Thread.print 2>/dev/null | sed -nE 's/^"([^"]+)".* cpu=([0-9.]+)ms.*/\2 \1/p' \
    | sed -E 's/([-:#]|Thread)[0-9]+/\1N/g; s/[ ,]/_/g; s/_/ /' \
    | awk '{t[$2] += $1} END {for (k in t) if (t[k] >= 10) printf "%s %.2f\n", k, t[k] / 1000}' | sort -k2 -rn | head -12 \
    | while read -r name cpu; do rec "$b" "$r" threads "$name" "$cpu"; done
  rec "$b" "$r" after_load cpu_s "$(secs "$(cpu_ticks "$bpid")")"
  [ -n "$zpid" ] && rec "$b" "$r" after_load zk_rss_kib "$(rss_kib "$zpid")"
  du -sk "$bdir/data" | awk '{print $1}' | { read -r kb; rec "$b" "$r" after_load data_kib "$kb"; }
  # stop: SIGTERM = controlled shutdown, time it
  local t0; t0="$(now_ms)"
  stop_pidfile "$bdir/pid"
  rec "$b" "$r" shutdown ms "$(( $(now_ms) - t0 ))"
  save_logs "$b" "$r"
  [ "$b" = kafka ] && stop_pidfile "$work/kafka-zk/pid"
  rm -rf "${work:?}/$b" "${work:?}/kafka-zk"
  return 0
}

log "results: $csv (raw outputs and broker logs in $raw/); records=$records e2e=$e2e_n reps=$reps timeout=${tool_timeout}s"
failed=""
for ((r = 1; r <= reps; r++)); do
  order="$brokers"  # every other repetition in reverse order, so that a drift in load spreads evenly
  (( r % 2 == 0 )) && order="$(echo "$brokers" | tr ' ' '\n' | tac | tr '\n' ' ')"
  for b in $order; do
    case "$b" in gregor|kafka) ;; *) die "unknown broker $b (gregor, kafka)" ;; esac
    bench_broker "$b" "$r" || failed+=" $b-r$r"
  done
done
log "done"
if command -v python3 >/dev/null; then
  python3 "$here/summary.py" "$csv" || true
else
  column -s, -t <"$csv"
fi
echo
echo "raw: $csv, $raw/"
[ -z "$failed" ] || { echo "broker.sh: incomplete runs:$failed (broker logs in $raw/)" >&2; exit 1; }
