#!/usr/bin/env python3
"""Turns JMH JSON results into the results table of README.md (between the RESULTS markers).

Each IronFence score is compared with the peers measured in the same run: the ratio is
IronFence's score over the peer's, oriented so that above 1.00 means IronFence is better
(higher throughput, or lower time per operation).

A run may consist of several rounds (run-benchmarks.sh runs each benchmark once per round, one
fork per implementation; the single-threaded ones in fewer rounds), so that the forks of
IronFence and of its peers alternate in time and a slow spell of the shared machine does not
fall on one implementation only. The results of one
benchmark from all rounds are merged, and its score is the median of its forks' means (as the
issue's targets ask): one fork that caught the machine busy moves a mean, not a median. Latency
percentiles come from the forks' histograms pooled.
"""
import json
import platform
import re
import subprocess
import sys
from collections import OrderedDict
from statistics import mean, median
from pathlib import Path

README = Path(__file__).with_name("README.md")
BEGIN, END = "<!-- RESULTS:BEGIN -->", "<!-- RESULTS:END -->"


def implementation_and_group(result):
    """Returns (implementation, group key) for one JMH result."""
    bench = result["benchmark"].rsplit(".", 2)
    cls, method = bench[-2], bench[-1]
    params = dict(result.get("params") or {})
    impl = params.pop("impl", None)
    if impl is None and "_" in method:  # UncontendedBenchmark: <shape>_<implementation>
        method, impl = method.split("_", 1)
    extra = ", ".join(f"{k}={v}" for k, v in sorted(params.items()))
    group = f"{cls}.{method}" + (f" ({extra})" if extra else "") + f" [{result['threads']} threads]"
    return impl, group


def merge(rounds):
    """One benchmark's results from all rounds as one result: score and allocation are medians of
    the forks' means, with the forks' range as the error; sample-mode percentiles are pooled."""
    first = rounds[0]
    primary = [r["primaryMetric"] for r in rounds]
    if "rawDataHistogram" in primary[0]:
        forks = [[pair for iteration in fork for pair in iteration] for m in primary for fork in m["rawDataHistogram"]]
        means = [sum(v * n for v, n in fork) / sum(n for _, n in fork) for fork in forks]
        percentiles = pooled_percentiles([pair for fork in forks for pair in fork])
    else:
        means = [mean(fork) for m in primary for fork in m["rawData"]]
        percentiles = {}
    allocation = [mean(fork) for r in rounds
                  for fork in ((r.get("secondaryMetrics") or {}).get("gc.alloc.rate.norm") or {}).get("rawData", [])]
    return {
        "mode": first["mode"],
        "forks": len(means),
        "score": median(means),
        "range": (min(means), max(means)),
        "unit": primary[0]["scoreUnit"],
        "percentiles": percentiles,
        "alloc": median(allocation) if allocation else None,
    }


def pooled_percentiles(histogram):
    """p50, p99, p99.9 and max of (value, count) pairs, as the smallest value reaching the rank."""
    histogram = sorted(histogram)
    total = sum(n for _, n in histogram)
    out, seen, wanted = {}, 0, [("50.0", 0.5), ("99.0", 0.99), ("99.9", 0.999)]
    for value, n in histogram:
        seen += n
        while wanted and seen >= wanted[0][1] * total:
            out[wanted.pop(0)[0]] = value
    out["100.0"] = histogram[-1][0]
    return out


def lower_is_better(result):
    return result["mode"] in ("avgt", "sample", "ss")


def fmt(x):
    return f"{x:.3g}" if abs(x) < 1000 else f"{x:,.0f}"


def alloc(result):
    return "" if result["alloc"] is None else f"{result['alloc']:.0f} B"


def tail(result):
    pct = result["percentiles"]
    return " / ".join(fmt(pct[p]) for p in ("50.0", "99.0", "99.9", "100.0") if p in pct)


def main(profile, files):
    results = []
    for f in files:
        results.extend(json.loads(Path(f).read_text()))
    rounds = OrderedDict()
    for r in results:
        impl, group = implementation_and_group(r)
        rounds.setdefault(group, OrderedDict()).setdefault(impl, []).append(r)
    groups = OrderedDict((group, OrderedDict((impl, merge(rs)) for impl, rs in impls.items()))
                         for group, impls in rounds.items())

    java = results[0]["vmName"] + " " + results[0]["jdkVersion"] if results else "?"
    forks = sorted({r["forks"] for impls in groups.values() for r in impls.values()})
    cpu = subprocess.run(["sh", "-c", "grep -m1 'model name' /proc/cpuinfo | cut -d: -f2"],
                         capture_output=True, text=True).stdout.strip()
    lines = [
        f"Profile `{profile}`, {platform.system()} {platform.machine()}, {cpu or '?'}, "
        f"{subprocess.run(['nproc'], capture_output=True, text=True).stdout.strip()} cores, {java}.",
        f"Score: median of {'/'.join(map(str, forks))} forks' means (their range in brackets), forks of all "
        "implementations interleaved. Ratio: IronFence vs that peer, above 1.00 = IronFence better.",
        "",
        "| benchmark | implementation | score (fork range) | unit | p50 / p99 / p99.9 / max | alloc/op | IronFence ratio |",
        "|---|---|---|---|---|---|---|",
    ]
    for group, impls in groups.items():
        ours = impls.get("ironfence")
        for impl, r in impls.items():
            ratio = ""
            if ours is not None and impl != "ironfence" and r["score"] > 0:
                a, b = ours["score"], r["score"]
                ratio = f"{(b / a if lower_is_better(r) else a / b):.2f}"
            name = f"**{impl}**" if impl == "ironfence" else impl
            low, high = r["range"]
            lines.append(f"| {group} | {name} | {fmt(r['score'])} ({fmt(low)}–{fmt(high)}) "
                         f"| {r['unit']} | {tail(r)} | {alloc(r)} | {ratio} |")
    lines += [""] + targets(groups)
    table = "\n".join(lines)
    text = README.read_text()
    text = re.sub(re.escape(BEGIN) + ".*?" + re.escape(END), BEGIN + "\n" + table + "\n" + END, text, flags=re.S)
    README.write_text(text)
    print(table)


def find(groups, prefix, impl):
    """The result of an implementation in the first group whose name starts with prefix, or None."""
    for group, impls in groups.items():
        if group.startswith(prefix) and impl in impls:
            return impls[impl]
    return None


def within_fork_range(result, value):
    """Whether some of the result's forks scored value or better and some worse: a target missed
    by a median that this machine moves further between forks of one implementation."""
    low, high = result["range"]
    return low <= value <= high


def targets(groups):
    """The issue's targets, each as IronFence's measure over the peer's, against its limit."""
    def score(r):
        return r["score"]

    def p999(r):
        return r["percentiles"].get("99.9")

    rows = [
        # (target, prefix, peer, measure, limit, "max" if the measure must stay at or below the limit[, our implementation])
        ("uncontended `Mutex` time / `ReentrantLock`", "UncontendedBenchmark.mutex", "reentrantLock", score, 1.10, "max"),
        ("uncontended `Mutex`, `void` method, time / `ReentrantLock`", "UncontendedBenchmark.void", "reentrantLock", score, 1.10, "max"),
        ("uncontended `Mutex`, `void` method, shared state, time / `ReentrantLock`", "UncontendedBenchmark.shared", "reentrantLock", score, 1.10, "max"),
        ("uncontended `read()` time / `ReentrantReadWriteLock`", "UncontendedBenchmark.read", "reentrantReadWriteLock", score, 1.0, "max"),
        ("contended throughput / non-fair `ReentrantLock`, 2 threads", "ContendedBenchmark.exclusive [2", "reentrant", score, 1.0, "min"),
        ("contended throughput / non-fair `ReentrantLock`, 4 threads", "ContendedBenchmark.exclusive [4", "reentrant", score, 1.0, "min"),
        ("contended throughput / non-fair `ReentrantLock`, 8 threads", "ContendedBenchmark.exclusive [8", "reentrant", score, 1.0, "min"),
        ("p99.9 wait / fair `ReentrantLock`", "WaitTimeTailBenchmark", "reentrant-fair", p999, 2.0, "max"),
        ("read-mostly (90 %) throughput / `ReentrantReadWriteLock`", "ReadMostlyBenchmark.mixed (readPercent=90)", "reentrant", score, 1.0, "min"),
        ("read-mostly (99 %) throughput / `ReentrantReadWriteLock`", "ReadMostlyBenchmark.mixed (readPercent=99)", "reentrant", score, 1.0, "min"),
        ("async hand-off time / async-util", "AsyncHandOffBenchmark", "asyncUtil", score, 1.2, "max"),
        ("`@WithLock` call with metrics, time / `@ConcurrencyLimit(1)`", "AnnotatedMethodBenchmark", "concurrency-limit", score, 2.0, "max"),
        ("`@WithLock` call without metrics, time / `@ConcurrencyLimit(1)`", "AnnotatedMethodBenchmark", "concurrency-limit", score, 1.3, "max",
         "ironfence-no-metrics"),
    ]
    out = ["Targets (IronFence's measure over the peer's, same run):", "",
           "| target | IronFence / peer | limit | |", "|---|---|---|---|"]
    for name, prefix, peer, measure, limit, kind, *impl in rows:
        ours, theirs = find(groups, prefix, impl[0] if impl else "ironfence"), find(groups, prefix, peer)
        if ours is None or theirs is None or not measure(theirs):
            continue
        ratio = measure(ours) / measure(theirs)
        met = ratio <= limit if kind == "max" else ratio >= limit
        verdict = "met" if met else "missed"
        # Only scores have a fork range; percentiles come from the forks' histograms pooled.
        if not met and measure is score and within_fork_range(ours, limit * theirs["score"]):
            verdict += " (within fork range)"
        out.append(f"| {name} | {ratio:.2f} | {'≤' if kind == 'max' else '≥'} {limit:.2f} | {verdict} |")
    allocs = [(impl, alloc(r)) for prefix in ("UncontendedBenchmark.mutex", "UncontendedBenchmark.void", "UncontendedBenchmark.shared",
                                              "UncontendedBenchmark.write", "UncontendedBenchmark.read")
              for impl, r in [(prefix.rsplit('.', 1)[1], find(groups, prefix, "ironfence"))] if r is not None]
    if allocs and all(a for _, a in allocs):
        zero = all(a == "0 B" for _, a in allocs)
        out.append(f"| allocation, uncontended blocking ({', '.join(f'{i} {a}' for i, a in allocs)}) | | 0 B | {'met' if zero else 'missed'} |")
    return out


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2:])
