#!/usr/bin/env bash
# The shipping spike of issue 19, before and after: the demo twice on a free loopback port, once as
# the lock behaved before (unbounded queue, no timeout, no withdrawal, Tomcat's 30 s async timeout)
# and once as configured (application.yml), each under spike/Spike.java. Prints a Markdown table.
#   ./mvnw -pl demo-app -am package -DskipTests && demo-app/spike.sh [seconds]
set -euo pipefail
cd "$(dirname "$0")"
seconds="${1:-90}"
jar=$(ls target/demo-app-*.jar | grep -v -E 'sources|javadoc' | head -1)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')

run() {
  local label="$1"; shift
  java -Xmx2g -jar "$jar" --server.address=127.0.0.1 --server.port="$port" "$@" > "target/spike-$label.log" 2>&1 &
  local pid=$!
  trap 'kill $pid 2>/dev/null || true' EXIT
  for _ in $(seq 1 120); do
    curl -fs "http://127.0.0.1:$port/actuator/health" > /dev/null 2>&1 && break
    sleep 0.5
  done
  java spike/Spike.java "$port" "$seconds" "$label"
  kill $pid; wait $pid 2>/dev/null || true
  trap - EXIT
}

echo "| run | load | peak waiters | waiters at stop | drain after stop | bookings run | run after their request ended | impatient hang-ups | shed by the lock | patient OK | patient 503 | p50 OK | p99 OK |"
echo "|---|---|---|---|---|---|---|---|---|---|---|---|---|"
run before --ironfence.max-waiting=2147483647 --ironfence.locks.shipping.max-waiting=2147483647 \
  --ironfence.locks.shipping.timeout=1h --ironfence.web.enabled=false --spring.mvc.async.request-timeout=30s
run after
