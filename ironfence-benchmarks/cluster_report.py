#!/usr/bin/env python3
"""Turns the cluster benchmarks' JMH JSON into the cluster table of README.md (between the
CLUSTER-RESULTS markers), with ratios against IronFence: numbers are never edited by hand."""
import json
import platform
import re
import sys
from pathlib import Path

runs = json.loads(Path(sys.argv[1]).read_text())
score = {}
for run in runs:
    method = run["benchmark"].rsplit(".", 1)[1]
    impl = run.get("params", {}).get("implementation", "select-1")
    metric = run["primaryMetric"]
    score[(method, impl)] = (metric["score"], metric["scoreUnit"], metric.get("scorePercentiles", {}))

impls = ["ironfence", "ironfence-no-cohorting", "jdbc-registry", "jdbc-registry-10ms"]
rows = ["| benchmark | implementation | result | IronFence ratio |", "|---|---|---|---|"]


def fmt(x):
    return f"{x:,.0f}" if x >= 100 else f"{x:.3g}"


if ("contended", "ironfence") in score:
    base = score[("contended", "ironfence")][0]
    for impl in impls:
        s, unit, _ = score[("contended", impl)]
        rows.append(f"| contended (2 instances x 8 threads) | {impl} | {fmt(s)} {unit} | "
                    f"{'' if impl == 'ironfence' else f'{base / s:.1f}x'} |")
if ("handOff", "ironfence") in score:
    base_p50 = score[("handOff", "ironfence")][2]["50.0"]
    for impl in impls:
        _, unit, p = score[("handOff", impl)]
        ratio = "" if impl == "ironfence" else f"p50 {p['50.0'] / base_p50:.1f}x"
        rows.append(f"| hand-off between instances, p50 / p99 | {impl} | {fmt(p['50.0'])} / {fmt(p['99.0'])} {unit} "
                    f"| {ratio} |")
if ("uncontended", "ironfence") in score and ("selectOne", "select-1") in score:
    base = score[("uncontended", "ironfence")][0]
    one, unit, _ = score[("selectOne", "select-1")]
    rows.append(f"| one SELECT 1 round trip | (yardstick) | {fmt(one)} {unit} | |")
    for impl in ["ironfence", "ironfence-no-tokens", "jdbc-registry"]:
        if ("uncontended", impl) not in score:
            continue
        s, unit, _ = score[("uncontended", impl)]
        note = f"{s / one:.1f} round trips" + ("" if impl.startswith("ironfence") else f"; {s / base:.1f}x")
        rows.append(f"| uncontended acquire + release | {impl} | {fmt(s)} {unit} | {note} |")

table = (f"Run on {platform.system()} {platform.machine()}, one fork each, PostgreSQL on loopback. "
         "Ratio: how many times slower (or, for throughput, lower) the other implementation is than "
         "IronFence.\n\n" + "\n".join(rows))
readme = Path(__file__).with_name("README.md")
text = readme.read_text()
text = re.sub(r"(<!-- CLUSTER-RESULTS:BEGIN -->\n).*?(<!-- CLUSTER-RESULTS:END -->)",
              lambda m: m.group(1) + table + "\n" + m.group(2), text, flags=re.S)
readme.write_text(text)
print(table)
