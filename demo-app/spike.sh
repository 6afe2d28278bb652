#!/usr/bin/env bash
# The shipping spike of issue 19, before and after: the demo twice on a free loopback port, once as
# the lock behaved before (unbounded queue, no timeout, no withdrawal, Tomcat's 30 s async timeout),
# once with the starter's defaults only (max-waiting 1,000, no timeout, withdrawal at the 30 s async
# timeout) and once as the demo is configured (application.yml), each under spike/Spike.java.
# Prints a Markdown table. About 10 minutes with the default 90 s.
#   ./mvnw -pl demo-app -am package -DskipTests && demo-app/spike.sh [seconds]
set -euo pipefail
cd "$(dirname "$0")"
seconds="${1:-90}"
jar=$(ls target/demo-app-*.jar | grep -v -E 'sources|javadoc' | head -1)
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
port=$(free_port)
mport=$(free_port)

run() {
  local label="$1"; shift
  java -Xmx2g -jar "$jar" --server.address=127.0.0.1 --server.port="$port" \
    --management.server.address=127.0.0.1 --management.server.port="$mport" "$@" > "target/spike-$label.log" 2>&1 &
  local pid=$!
  trap 'kill $pid 2>/dev/null || true' EXIT
  for _ in $(seq 1 120); do
    curl -fs "http://127.0.0.1:$mport/actuator/health" > /dev/null 2>&1 && break
    sleep 0.5
  done
  java spike/Spike.java "$port" "$mport" "$seconds" "$label"
  kill $pid; wait $pid 2>/dev/null || true
  trap - EXIT
}

echo "| run | load | peak waiters | waiters at stop | drain after stop | bookings run | of them after their request had ended | impatient: hung up | impatient: 503 at once | impatient: other client errors | patient: OK | patient: 503 or gave up | patient p50 | patient p99 |"
echo "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"
run before --ironfence.max-waiting=2147483647 --ironfence.locks.shipping.max-waiting=2147483647 \
  --ironfence.locks.shipping.timeout=1h --ironfence.web.enabled=false --spring.mvc.async.request-timeout=30s
run defaults --ironfence.locks.shipping.max-waiting=1000 --ironfence.locks.shipping.timeout=1h \
  --spring.mvc.async.request-timeout=30s
run after
