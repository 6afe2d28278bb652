#!/usr/bin/env bash
# Runs the cluster-scope benchmarks against a throwaway PostgreSQL and rewrites the cluster table
# in README.md.
#
#   ./run-cluster-benchmarks.sh        # ~10 minutes
#
# Needs Debian's postgresql (apt-get install -y postgresql). The server runs in a temporary
# directory on a free loopback port and is removed at the end; as root it runs as user postgres,
# since PostgreSQL refuses to run as root.
set -euo pipefail
cd "$(dirname "$0")"

bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
[[ -x "$bin/initdb" ]] || { echo "PostgreSQL is not installed: apt-get install -y postgresql" >&2; exit 1; }
dir=$(mktemp -d /tmp/ironfence-bench-pg.XXXXXX)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
as_postgres=()
if [[ $(id -u) == 0 ]]; then
    chown postgres "$dir"
    as_postgres=(runuser -u postgres --)
fi
stop() {
    "${as_postgres[@]}" "$bin/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
    rm -rf "$dir"
}
trap stop EXIT
"${as_postgres[@]}" "$bin/initdb" -D "$dir/data" -U postgres --auth=trust >/dev/null
"${as_postgres[@]}" "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w \
    -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c max_connections=200" start >/dev/null

(cd .. && ./mvnw -B -ntp -q -pl ironfence-benchmarks -am package -DskipTests)
java="${JAVA_HOME:+$JAVA_HOME/bin/}java"
mkdir -p results
url="jdbc:postgresql://127.0.0.1:$port/postgres"
"$java" "-Dironfence.bench.postgres.url=$url" -jar target/benchmarks.jar '\.cluster\.' \
    -jvmArgs "-Dironfence.bench.postgres.url=$url" -f 1 -wi 1 -w 5s -i 3 -r 5s \
    -rf json -rff results/cluster.json
python3 cluster_report.py results/cluster.json
