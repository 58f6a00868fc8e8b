# lib.sh - shell functions shared by bench/broker.sh (one broker) and bench/cluster.sh (three
# brokers): building Gregor and fetching Kafka, launching and stopping JVMs, probes, /proc
# measurements, the results CSV, running Kafka's perf tools and parsing what they print.
#
# Sourced, not run. The caller sets, before sourcing:
#   prog (its name, for messages), here (the bench directory), root (the repository),
#   brokers ("gregor kafka"), build (1 = mvn package), keep (1 = keep the temp directory),
#   tool_timeout, quiet_max (seconds)
# and after sourcing calls, in this order: results_init, prepare_jars, workdir_init, env_common.
# shellcheck shell=bash
# shellcheck disable=SC2034,SC2154  # variables set here are used by the sourcing script and vice versa

KAFKA_VERSION=3.9.2
LIB="$here/kafka/lib"

die() { echo "$prog: $*" >&2; exit 1; }
now_ms() { date +%s%3N; }
log() { echo "[$(date +%T)] $*"; }
java="java"; [ -n "${JAVA_HOME:-}" ] && java="$JAVA_HOME/bin/java"
command -v "$java" >/dev/null || die "java (17+) not found"
command -v mvn >/dev/null || die "mvn not found"
CLK_TCK="$(getconf CLK_TCK)"

# ---- results, build Gregor and fetch Kafka --------------------------------------------------------
results_init() {  # sets ts, results, raw (tool outputs, logs), csv
  ts="$(date +%Y%m%d-%H%M%S)"
  results="$here/results"; raw="$results/$ts"; csv="$results/$ts.csv"
  mkdir -p "$raw"
  echo "broker,rep,test,metric,value" >"$csv"
}
mvn_quiet() {  # offline first (everything is usually in ~/.m2), then online
  mvn -B -q -o "$@" >>"$raw/maven.log" 2>&1 || mvn -B -q "$@" >>"$raw/maven.log" 2>&1
}
# prepare_jars: builds the jar of this repository (unless build=0 or BENCH_GREGOR_JAR names another jar),
# fetches Kafka into bench/kafka/lib once; sets jar and cp
prepare_jars() {
  jar="${BENCH_GREGOR_JAR:-$root/verticles/target/gregor.jar}"
  if [[ " $brokers " == *" gregor "* ]]; then
    if [ "$build" = 1 ] && [ -z "${BENCH_GREGOR_JAR:-}" ]; then
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
}

# ---- processes, cleanup ---------------------------------------------------------------------------
# workdir_init: the temp directory every JVM of this run lives in (its command line names it, which
# is how stop_pidfile knows a process is ours), the cleanup on exit, the log4j files
workdir_init() {
  work="$(mktemp -d "${TMPDIR:-/tmp}/gregor-bench.XXXXXX")"
  started=()     # pid files of the JVMs this script launched
  tool_pid=""
  trap cleanup EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
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
}
pid_of() { cat "$1" 2>/dev/null || true; }
alive() { [ -n "$1" ] && [ -r "/proc/$1/cmdline" ] && tr '\0' ' ' <"/proc/$1/cmdline" | grep -qF -- "$work/"; }
stop_pidfile() {  # SIGTERM, wait up to 30 s, SIGKILL; only a process whose command line names our dir
  local f="$1" pid i
  pid="$(pid_of "$f")"
  alive "$pid" || return 0
  kill "$pid" 2>/dev/null || true
  for ((i = 0; i < 300; i++)); do alive "$pid" || return 0; sleep 0.1; done
  echo "$prog: pid $pid ($f) ignored SIGTERM for 30 s, killing it" >&2
  kill -9 "$pid" 2>/dev/null || true
}
cleanup() {
  local rc=$? i
  trap - EXIT
  trap '' INT TERM  # a second Ctrl-C must not leave brokers behind; each stop is bounded (30 s)
  if [ -n "$tool_pid" ] && kill -0 "$tool_pid" 2>/dev/null; then kill "$tool_pid" 2>/dev/null || true; fi
  # last launched first: brokers before the ZooKeeper their controlled shutdown needs
  for ((i = ${#started[@]} - 1; i >= 0; i--)); do stop_pidfile "${started[i]}"; done
  if [ "$keep" = 1 ]; then echo "$prog: kept $work" >&2; else rm -rf "$work"; fi
  exit "$rc"
}

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
  # shellcheck disable=SC2016  # $1 is the inner shell's
  out="$(timeout 2 bash -c '
      exec 3<>"/dev/tcp/127.0.0.1/$1" || exit 1
      printf "\x00\x00\x00\x0a\x00\x12\x00\x00\x00\x00\x00\x01\x00\x00" >&3
      head -c 10 <&3 | od -An -tx1' _ "$1" 2>/dev/null)" || return 1
  # shellcheck disable=SC2116,SC2086  # word splitting squeezes od's spacing
  out="$(echo $out)"
  [ "${out:12}" = "00 00 00 01 00 00" ]
}
zk_ok() {
  local out
  # shellcheck disable=SC2016
  out="$(timeout 2 bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$1" || exit 1; printf ruok >&3; head -c 4 <&3' _ "$1" 2>/dev/null)" || return 1
  [ "$out" = imok ]
}
# shellcheck disable=SC2016
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

# start_zookeeper DIR: Kafka's ZooKeeper (QuorumPeerMain of bench/kafka/lib) as
# zookeeper-server-start.sh runs it, on 127.0.0.1, AdminServer off; sets zpid, zk_port
start_zookeeper() {
  local zd="$1"
  zk_port="$(free_port)"
  mkdir -p "$zd/data"
  cat >"$zd/zookeeper.properties" <<EOF
dataDir=$zd/data
clientPort=$zk_port
clientPortAddress=127.0.0.1
maxClientCnxns=0
admin.enableServer=false
4lw.commands.whitelist=ruok,srvr,stat,mntr,dump
EOF
  # shellcheck disable=SC2086
  launch "$zd" "$java" -Xmx512M -Xms512M $perf_opts "-Dlog4j.configuration=file:$work/log4j.properties" \
    "-Dkafka.logs.dir=$zd" -cp "$cp" org.apache.zookeeper.server.quorum.QuorumPeerMain "$zd/zookeeper.properties"
  zpid="$(pid_of "$zd/pid")"
  wait_for 60 "$zd/pid" zk_ok "$zk_port" || { tail -20 "$zd/server.log" >&2; die "ZooKeeper did not start"; }
}

# ---- measurements ---------------------------------------------------------------------------------
cpu_ticks() { [ -r "/proc/$1/stat" ] && sed 's/^.*) //' "/proc/$1/stat" | awk '{print $12 + $13}' || echo 0; }
rss_kib() { awk -v k="${2:-VmRSS}:" '$1 == k {print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }
# rec_rss BROKER REP TEST PID... : VmRSS and its anonymous / file-backed parts, summed over the PIDs
rec_rss() {
  local b="$1" r="$2" t="$3" k p sum; shift 3
  for k in VmRSS:rss_kib RssAnon:rss_anon_kib RssFile:rss_file_kib; do
    sum=0
    for p in "$@"; do sum=$(( sum + $(rss_kib "$p" "${k%%:*}" | grep . || echo 0) )); done
    rec "$b" "$r" "$t" "${k#*:}" "$sum"
  done
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
heap_used_sum() {  # heap_used_kib summed over PIDs; empty if one is unknown
  local p v sum=0
  for p in "$@"; do v="$(heap_used_kib "$p")"; [ -n "$v" ] || return 0; sum=$(( sum + v )); done
  echo "$sum"
}

rec() { echo "$1,$2,$3,$4,$5" >>"$csv"; }
env_rec() { rec env 0 "$1" value "$(echo "$2" | tr ',' ';')"; }
env_common() {  # the machine, the JVM and both brokers' versions
  local src
  src="$(dirname "$jar")"; [ -d "$src" ] || src="$root"
  env_rec cpus "$(nproc)"
  env_rec cpu_model "$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)"
  env_rec mem_gib "$(awk '/^MemTotal:/ {printf "%.0f", $2 / 1048576}' /proc/meminfo)"
  env_rec kernel "$(uname -r)"
  env_rec java "$("$java" -version 2>&1 | head -1 | tr -d '"')"
  env_rec kafka "$KAFKA_VERSION (ZooKeeper $(find "$LIB" -maxdepth 1 -name 'zookeeper-[0-9]*.jar' -printf '%f\n' | sed -n 's/^zookeeper-\([0-9.]*\)\.jar$/\1/p'))"
  env_rec gregor "$(git -C "$src" rev-parse --short HEAD 2>/dev/null || echo unknown)$(git -C "$src" diff --quiet HEAD -- 2>/dev/null || echo +changes)"
}

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

# measured BROKER REP TEST RECORDS OUTFILE CLASS-AND-ARGS...: run one tool, record the resources of
# the broker processes (PIDs in the array bpids, GC logs in gc_logs; several are summed, and each
# one's CPU is recorded too as cpu_s_brokerN) and of ZooKeeper (zpid, if set)
measured() {
  local b="$1" r="$2" t="$3" n="$4" out="$5"; shift 5
  local z0 k0 m0 s0 w0 rc=0 z1 k1 m1 s1 w1 gcn=0 gcms=0 gcmax=0 gcfreed=0 u0 u1 qb qw i c=0 one
  local -a g0=() c0=()
  read -r qb qw <<<"$(quiet)"
  echo "# $b $t, load before: $(cut -d' ' -f1-3 /proc/loadavg), busy before: $qb% of one core after waiting $qw s" >"$out"
  rec "$b" "$r" "$t" load1 "$(load1)"
  rec "$b" "$r" "$t" busy_before_pct "$qb"; rec "$b" "$r" "$t" quiet_wait_s "$qw"
  u0="$(heap_used_sum "${bpids[@]}")"
  for i in "${!gc_logs[@]}"; do g0[i]="$(gc_bytes "${gc_logs[i]}")"; done
  for i in "${!bpids[@]}"; do c0[i]="$(cpu_ticks "${bpids[i]}")"; done
  z0="$( [ -n "$zpid" ] && cpu_ticks "$zpid" || echo 0)"
  k0="$(child_ticks)"; m0="$(machine_ticks)"; s0="$(steal_ticks)"; w0="$(now_ms)"
  run_tool "$out" "$tool_timeout" "$@" || rc=$?
  w1="$(now_ms)"
  for i in "${!bpids[@]}"; do c0[i]=$(( $(cpu_ticks "${bpids[i]}") - c0[i] )); c=$(( c + c0[i] )); done
  z1="$( [ -n "$zpid" ] && cpu_ticks "$zpid" || echo 0)"
  k1="$(child_ticks)"; m1="$(machine_ticks)"; s1="$(steal_ticks)"
  for i in "${!gc_logs[@]}"; do
    read -r gcn gcms gcmax gcfreed <<<"$(gc_summary "${gc_logs[i]}" "${g0[i]}" \
      | awk -v n="$gcn" -v s="$gcms" -v m="$gcmax" -v f="$gcfreed" '{printf "%d %.1f %.1f %.0f\n", n + $1, s + $2, ($3 > m ? $3 : m), f + $4}')"
  done
  u1="$(heap_used_sum "${bpids[@]}")"
  rec "$b" "$r" "$t" records "$n"
  rec "$b" "$r" "$t" exit_code "$rc"
  rec "$b" "$r" "$t" wall_s "$(awk -v a="$w0" -v z="$w1" 'BEGIN {printf "%.2f", (z - a) / 1000}')"
  rec "$b" "$r" "$t" broker_cpu_s "$(secs "$c")"
  if [ "${#bpids[@]}" -gt 1 ]; then
    for i in "${!bpids[@]}"; do rec "$b" "$r" "$t" "cpu_s_broker$((i + 1))" "$(secs "${c0[i]}")"; done
  fi
  [ -n "$zpid" ] && rec "$b" "$r" "$t" zk_cpu_s "$(secs $((z1 - z0)))"
  rec "$b" "$r" "$t" tool_cpu_s "$(secs $((k1 - k0)))"
  rec "$b" "$r" "$t" machine_cpu_s "$(secs $((m1 - m0)))"
  rec "$b" "$r" "$t" steal_s "$(secs $((s1 - s0)))"
  rec_rss "$b" "$r" "$t" "${bpids[@]}"
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
  for one in "${bpids[@]}"; do
    kill -0 "$one" 2>/dev/null || { log "   a broker (pid $one) died during $t"; rec "$b" "$r" "$t" broker_died 1; return 1; }
  done
  return 0
}

# ---- the runs -------------------------------------------------------------------------------------
# produce_run BROKER REP TEST TOPIC ACKS BOOTSTRAP: ProducerPerformance, records x 100 B, --throughput -1
produce_run() {
  local b="$1" r="$2" t="$3" topic="$4" acks="$5" bs="$6" f last n rps mbs avg p50 p99 errs
  f="$raw/$b-r$r-$t.txt"
  measured "$b" "$r" "$t" "$records" "$f" -Xmx512M org.apache.kafka.tools.ProducerPerformance \
    --topic "$topic" --num-records "$records" --record-size 100 --throughput -1 \
    --producer-props bootstrap.servers="$bs" acks="$acks" || return 1
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
}

# consume_run BROKER REP TEST TOPIC BOOTSTRAP: ConsumerPerformance over the records of TOPIC
consume_run() {
  local b="$1" r="$2" t="$3" topic="$4" bs="$5" f last n nps mbs reb fmbs fnps errs
  f="$raw/$b-r$r-$t.txt"
  measured "$b" "$r" "$t" "$records" "$f" -Xmx512M org.apache.kafka.tools.ConsumerPerformance \
    --bootstrap-server "$bs" --topic "$topic" --messages "$records" --timeout 10000 || return 1
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
}

# e2e_run BROKER REP TOPIC ACKS BOOTSTRAP: EndToEndLatency, e2e_n x 100 B (test name e2e)
e2e_run() {
  local b="$1" r="$2" topic="$3" acks="$4" bs="$5" t=e2e f avg p50 p99 p999
  f="$raw/$b-r$r-e2e.txt"
  measured "$b" "$r" "$t" "$e2e_n" "$f" -Xmx512M org.apache.kafka.tools.EndToEndLatency "$bs" "$topic" "$e2e_n" "$acks" 100 \
    || return 1
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
}

# rec_threads BROKER REP PID...: the brokers' CPU seconds by thread (jcmd Thread.print: cpu=...ms),
# numbers in names folded to N, summed over the PIDs, the top 12
rec_threads() {
  local b="$1" r="$2" p name cpu; shift 2
  for p in "$@"; do jcmd "$p" Thread.print 2>/dev/null || true; done \
    | sed -nE 's/^"([^"]+)".* cpu=([0-9.]+)ms.*/\2 \1/p' \
    | sed -E 's/([-:#]|Thread)[0-9]+/\1N/g; s/[ ,]/_/g; s/_/ /' \
    | awk '{t[$2] += $1} END {for (k in t) if (t[k] >= 10) printf "%s %.2f\n", k, t[k] / 1000}' | sort -k2 -rn | head -12 \
    | while read -r name cpu; do rec "$b" "$r" threads "$name" "$cpu"; done
}

# run_reps FUNCTION: calls FUNCTION BROKER REP for every repetition and broker of --brokers (every
# other repetition in reverse order, so that a drift in load spreads evenly), prints the summary,
# and fails naming the runs that did not complete.
run_reps() {
  local fn=$1 failed="" order b r
  for ((r = 1; r <= reps; r++)); do
    order="$brokers"
    (( r % 2 == 0 )) && order="$(echo "$brokers" | tr ' ' '\n' | tac | tr '\n' ' ')"
    for b in $order; do
      case "$b" in gregor|kafka) ;; *) die "unknown broker $b (gregor, kafka)" ;; esac
      "$fn" "$b" "$r" || failed+=" $b-r$r"
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
  [ -z "$failed" ] || die "incomplete runs:$failed (logs in $raw/)"
}
