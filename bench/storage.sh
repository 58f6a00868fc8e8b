#!/usr/bin/env bash
# Storage throughput: Gregor's Log.appendAsLeader / Log.read next to a plain FileChannel.
# Usage: bench/storage.sh [size per round, e.g. 1g (default), 512m, 256m]
# Data goes to a fresh directory under $BENCH_DIR (default /tmp) and is deleted afterwards.
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_DIR="$(cd "$SCRIPT_DIR/.." && pwd)"
SIZE="${1:-1g}"
BENCH_DIR="${BENCH_DIR:-/tmp}"

# Maven's console output goes to stderr, without the colour codes Debian's Maven prints even with -q.
mvn_quiet() {
  mvn -q -B -Dstyle.color=never "$@" 2>&1 | sed -e 's/\x1b\[[0-9;]*m//g' >&2
}

cd "$REPO_DIR"
echo "Building gregor-storage (test-compile)..." >&2
mvn_quiet -pl storage -am test-compile

CP_FILE="$(mktemp "${TMPDIR:-/tmp}/gregor-storage-cp.XXXXXX")"
trap 'rm -f "$CP_FILE"' EXIT
mvn_quiet -pl storage dependency:build-classpath -Dmdep.outputFile="$CP_FILE"
CLASSPATH="$REPO_DIR/storage/target/test-classes:$REPO_DIR/storage/target/classes:$(cat "$CP_FILE")"

echo "Free space in $BENCH_DIR:" >&2
df -h "$BENCH_DIR" >&2

exec java \
  --add-opens java.base/java.lang.reflect=ALL-UNNAMED \
  --add-opens java.base/java.nio=ALL-UNNAMED \
  --add-exports java.base/sun.nio.ch=ALL-UNNAMED \
  --add-exports java.base/jdk.internal.ref=ALL-UNNAMED \
  -Dchronicle.analytics.disable=true \
  -Ddisable.perf.info=true \
  -Xmx1g \
  -Dbench.dir="$BENCH_DIR" \
  -cp "$CLASSPATH" \
  io.gregor.storage.bench.LogAppendBenchmark "$SIZE"
