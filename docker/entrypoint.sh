#!/usr/bin/env bash
# Starts the broker as PID 1 (exec), so SIGTERM from `docker stop` reaches the JVM and triggers the
# controlled shutdown. Arguments, if any, replace the properties file argument.
#   SERVER_PROPERTIES    the properties file (empty: built-in defaults and GREGOR_* variables only)
#   LOG4J_CONFIGURATION  the log4j2 configuration; LOGS_DIR where server.log goes
#   JAVA_OPTS            JVM options
set -euo pipefail

args=("$@")
if [ ${#args[@]} -eq 0 ] && [ -n "${SERVER_PROPERTIES:-}" ]; then
  args=("${SERVER_PROPERTIES}")
fi

# JAVA_OPTS is a list of options: split on whitespace on purpose.
# shellcheck disable=SC2086
exec java ${JAVA_OPTS:-} \
  -Dlog4j2.configurationFile="${LOG4J_CONFIGURATION:-/opt/gregor/conf/log4j2.xml}" \
  -Dgregor.logs.dir="${LOGS_DIR:-/var/log/gregor}" \
  -jar /opt/gregor/gregor.jar "${args[@]}"
