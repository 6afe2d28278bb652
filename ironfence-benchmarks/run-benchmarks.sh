#!/usr/bin/env bash
# Runs the IronFence JMH suite and regenerates the results table in README.md.
#
#   ./run-benchmarks.sh quick   # ~6 minutes: 1 fork, short iterations; a first look
#   ./run-benchmarks.sh full    # 40-60 minutes: 3 forks, longer iterations, allocation profile
#
# Raw JMH JSON goes to results/<profile>-*.json; README.md's table is rewritten from it by
# report.py, so numbers are never edited by hand. Peers run in the same invocation as IronFence
# and the table reports ratios, because this machine is shared and noisy.
set -euo pipefail
cd "$(dirname "$0")"

profile="${1:-quick}"
case "$profile" in
    quick) jmh_opts=(-f 1 -wi 2 -w 1 -i 3 -r 1) ;;
    full) jmh_opts=(-f 3 -wi 5 -w 1 -i 5 -r 2 -prof gc) ;;
    *) echo "usage: $0 quick|full" >&2; exit 2 ;;
esac

(cd .. && ./mvnw -B -ntp -q -pl ironfence-benchmarks -am package -DskipTests)
jar=target/benchmarks.jar
java="${JAVA_HOME:+$JAVA_HOME/bin/}java"   # the virtual-thread benchmark needs Java 21+
out=results
mkdir -p "$out"
rm -f "$out/$profile"-*.json

run() {
    local name="$1"
    shift
    echo "=== $name"
    "$java" -jar "$jar" "${jmh_opts[@]}" "$@" -rf json -rff "$out/$profile-$name.json"
}

run uncontended '\.UncontendedBenchmark\.'
for threads in 2 4 8; do
    run "contended-t$threads" '\.ContendedBenchmark\.' -t "$threads"
done
run virtual-threads '\.VirtualThreadContendedBenchmark\.'
run read-mostly '\.ReadMostlyBenchmark\.'
run wait-tail '\.WaitTimeTailBenchmark\.'
run async-handoff '\.AsyncHandOffBenchmark\.'
run annotated '\.AnnotatedMethodBenchmark\.'

python3 report.py "$profile" "$out"/"$profile"-*.json
