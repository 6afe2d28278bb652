#!/usr/bin/env python3
"""Turns JMH JSON results into the results table of README.md (between the RESULTS markers).

Each IronFence score is compared with the peers measured in the same run: the ratio is
IronFence's score over the peer's, oriented so that above 1.00 means IronFence is better
(higher throughput, or lower time per operation).
"""
import json
import platform
import re
import subprocess
import sys
from collections import OrderedDict
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


def lower_is_better(result):
    return result["mode"] in ("avgt", "sample", "ss")


def fmt(x):
    return f"{x:.3g}" if abs(x) < 1000 else f"{x:,.0f}"


def alloc(result):
    gc = (result.get("secondaryMetrics") or {}).get("gc.alloc.rate.norm")
    return f"{gc['score']:.0f} B" if gc else ""


def tail(result):
    pct = result["primaryMetric"].get("scorePercentiles") or {}
    if result["mode"] != "sample" or not pct:
        return ""
    return " / ".join(fmt(pct[p]) for p in ("50.0", "99.0", "99.9", "100.0") if p in pct)


def main(profile, files):
    results = []
    for f in files:
        results.extend(json.loads(Path(f).read_text()))
    groups = OrderedDict()
    for r in results:
        impl, group = implementation_and_group(r)
        groups.setdefault(group, OrderedDict())[impl] = r

    java = results[0]["vmName"] + " " + results[0]["jdkVersion"] if results else "?"
    cpu = subprocess.run(["sh", "-c", "grep -m1 'model name' /proc/cpuinfo | cut -d: -f2"],
                         capture_output=True, text=True).stdout.strip()
    lines = [
        f"Profile `{profile}`, {platform.system()} {platform.machine()}, {cpu or '?'}, "
        f"{subprocess.run(['nproc'], capture_output=True, text=True).stdout.strip()} cores, {java}.",
        "Ratio: IronFence vs that peer in the same run, above 1.00 = IronFence better.",
        "",
        "| benchmark | implementation | score ± error | unit | p50 / p99 / p99.9 / max | alloc/op | IronFence ratio |",
        "|---|---|---|---|---|---|---|",
    ]
    for group, impls in groups.items():
        ours = impls.get("ironfence")
        for impl, r in impls.items():
            m = r["primaryMetric"]
            ratio = ""
            if ours is not None and impl != "ironfence" and m["score"] > 0:
                a, b = ours["primaryMetric"]["score"], m["score"]
                ratio = f"{(b / a if lower_is_better(r) else a / b):.2f}"
            name = f"**{impl}**" if impl == "ironfence" else impl
            lines.append(f"| {group} | {name} | {fmt(m['score'])} ± {fmt(m['scoreError'] if m['scoreError'] == m['scoreError'] else 0)} "
                         f"| {m['scoreUnit']} | {tail(r)} | {alloc(r)} | {ratio} |")
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


def targets(groups):
    """The issue's targets, each as IronFence's measure over the peer's, against its limit."""
    def score(r):
        return r["primaryMetric"]["score"]

    def p999(r):
        return (r["primaryMetric"].get("scorePercentiles") or {}).get("99.9")

    rows = [
        # (target, prefix, peer, measure, limit, "max" if the measure must stay at or below the limit)
        ("uncontended `Mutex` time / `ReentrantLock`", "UncontendedBenchmark.mutex", "reentrantLock", score, 1.10, "max"),
        ("uncontended `read()` time / `ReentrantReadWriteLock`", "UncontendedBenchmark.read", "reentrantReadWriteLock", score, 1.0, "max"),
        ("contended throughput / non-fair `ReentrantLock`, 2 threads", "ContendedBenchmark.exclusive [2", "reentrant", score, 1.0, "min"),
        ("contended throughput / non-fair `ReentrantLock`, 4 threads", "ContendedBenchmark.exclusive [4", "reentrant", score, 1.0, "min"),
        ("contended throughput / non-fair `ReentrantLock`, 8 threads", "ContendedBenchmark.exclusive [8", "reentrant", score, 1.0, "min"),
        ("p99.9 wait / fair `ReentrantLock`", "WaitTimeTailBenchmark", "reentrant-fair", p999, 2.0, "max"),
        ("read-mostly (90 %) throughput / `ReentrantReadWriteLock`", "ReadMostlyBenchmark.mixed (readPercent=90)", "reentrant", score, 1.0, "min"),
        ("read-mostly (99 %) throughput / `ReentrantReadWriteLock`", "ReadMostlyBenchmark.mixed (readPercent=99)", "reentrant", score, 1.0, "min"),
        ("async hand-off time / async-util", "AsyncHandOffBenchmark", "asyncUtil", score, 1.0, "max"),
        ("`@WithLock` call with metrics, time / `@ConcurrencyLimit(1)`", "AnnotatedMethodBenchmark", "concurrency-limit", score, 1.5, "max"),
    ]
    out = ["Targets (IronFence's measure over the peer's, same run):", "",
           "| target | IronFence / peer | limit | |", "|---|---|---|---|"]
    for name, prefix, peer, measure, limit, kind in rows:
        ours, theirs = find(groups, prefix, "ironfence"), find(groups, prefix, peer)
        if ours is None or theirs is None or not measure(theirs):
            continue
        ratio = measure(ours) / measure(theirs)
        met = ratio <= limit if kind == "max" else ratio >= limit
        out.append(f"| {name} | {ratio:.2f} | {'≤' if kind == 'max' else '≥'} {limit:.2f} | {'met' if met else 'missed'} |")
    allocs = [(impl, alloc(r)) for prefix in ("UncontendedBenchmark.mutex", "UncontendedBenchmark.write", "UncontendedBenchmark.read")
              for impl, r in [(prefix.rsplit('.', 1)[1], find(groups, prefix, "ironfence"))] if r is not None]
    if allocs and all(a for _, a in allocs):
        zero = all(a == "0 B" for _, a in allocs)
        out.append(f"| allocation, uncontended blocking ({', '.join(f'{i} {a}' for i, a in allocs)}) | | 0 B | {'met' if zero else 'missed'} |")
    return out


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2:])
