#!/usr/bin/env bash
# Runs the IronFence JMH suite and regenerates the results table in README.md.
#
#   ./run-benchmarks.sh quick   # ~6 minutes: 1 fork, short iterations; a first look
#   ./run-benchmarks.sh full    # 45-55 minutes: 3 to 5 rounds, longer iterations, allocation profile
#
# A round runs the suite, one fork per benchmark and implementation, so IronFence's forks
# and its peers' alternate in time: on this shared, noisy machine a slow spell then moves every
# implementation, not the one that happened to run in it. Raw JMH JSON goes to
# results/<profile>-<benchmark>-r<round>.json; report.py merges the rounds (median of forks) and
# rewrites README.md's table from them, so numbers are never edited by hand.
set -euo pipefail
cd "$(dirname "$0")"

profile="${1:-quick}"
case "$profile" in
    quick) rounds=1; single_thread_rounds=1; jmh_opts=(-f 1 -wi 2 -w 1 -i 3 -r 1) ;;
    full) rounds=5; single_thread_rounds=3; jmh_opts=(-f 1 -wi 5 -w 1 -i 5 -r 2 -prof gc) ;;
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
    echo "=== $name, round $round of $rounds"
    "$java" -jar "$jar" "${jmh_opts[@]}" "$@" -rf json -rff "$out/$profile-$name-r$round.json"
}

# The multi-threaded benchmarks depend on how the scheduler places threads on the two cores, and
# their forks of one implementation differ by up to a factor of two: they get more rounds. The
# single-threaded ones differ by a few per cent between forks.
for round in $(seq "$rounds"); do
    if ((round <= single_thread_rounds)); then
        run uncontended '\.UncontendedBenchmark\.'
        run async-handoff '\.AsyncHandOffBenchmark\.'
        run annotated '\.AnnotatedMethodBenchmark\.'
    fi
    for threads in 2 4 8; do
        run "contended-t$threads" '\.ContendedBenchmark\.' -t "$threads"
    done
    run virtual-threads '\.VirtualThreadContendedBenchmark\.'
    run read-mostly '\.ReadMostlyBenchmark\.'
    run wait-tail '\.WaitTimeTailBenchmark\.'
done

python3 report.py "$profile" "$out"/"$profile"-*.json
