#!/usr/bin/env bash
# Two shops sharing one cluster-scoped lock: a throwaway PostgreSQL and two demo instances, on
# http://localhost:8080 and http://localhost:8081. Ctrl-C stops everything and removes the database.
#
#   demo-app/cluster-demo.sh
#
# Needs Debian's postgresql (apt-get install -y postgresql). The server runs in a temporary
# directory on a free loopback port; as root it runs as user postgres (PostgreSQL refuses root).
set -euo pipefail
cd "$(dirname "$0")/.."

bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
[[ -x "$bin/initdb" ]] || { echo "PostgreSQL is not installed: apt-get install -y postgresql" >&2; exit 1; }

./mvnw -B -ntp -q -pl demo-app -am package -DskipTests
jar=$(ls demo-app/target/demo-app-*.jar | grep -v sources | grep -v javadoc | head -1)

dir=$(mktemp -d /tmp/ironfence-demo-pg.XXXXXX)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
as_postgres=()
if [[ $(id -u) == 0 ]]; then
    chown postgres "$dir"
    as_postgres=(runuser -u postgres --)
fi
pids=()
stop() {
    trap - INT TERM EXIT
    echo
    echo "Stopping the shops and the database..."
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
    "${as_postgres[@]}" "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
    rm -rf "$dir"
}
trap stop INT TERM EXIT

"${as_postgres[@]}" "$bin/initdb" -D "$dir/data" -U postgres --auth=trust >/dev/null
"${as_postgres[@]}" "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w \
    -o "-p $port -k $dir -c listen_addresses=127.0.0.1" start >/dev/null
url="jdbc:postgresql://127.0.0.1:$port/postgres"
echo "PostgreSQL on 127.0.0.1:$port (data in $dir, removed on exit)"

java="${JAVA_HOME:+$JAVA_HOME/bin/}java"
for shop_port in 8080 8081; do
    "$java" -jar "$jar" --server.port="$shop_port" --spring.profiles.active=cluster \
        --ironfence.cluster.url="$url" > "$dir/shop-$shop_port.log" 2>&1 &
    pids+=($!)
done
for shop_port in 8080 8081; do
    for _ in $(seq 120); do
        curl -sf "http://localhost:$shop_port/actuator/health" >/dev/null && break
        sleep 1 # polling a starting server: there is nothing to wait on
    done
    curl -sf "http://localhost:$shop_port/actuator/health" >/dev/null \
        || { echo "The shop on $shop_port did not start; its log:" >&2; cat "$dir/shop-$shop_port.log" >&2; exit 1; }
done
echo "Two shops share the cluster lock 'payouts': http://localhost:8080 and http://localhost:8081"
echo "Start load on both dashboards; Ctrl-C stops everything."
wait
