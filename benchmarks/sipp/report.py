#!/usr/bin/env python3
"""Writes benchmarks/sipp.sh's results as Markdown: per workload, each target's highest passing step, then every step
with its CPU and response times, and the ratios of ours (SQLite) to Kamailio in memory and on PostgreSQL."""
import sys
from collections import defaultdict

results, out, machine, command = sys.argv[1:5]
rows = [line.rstrip("\n").split("\t") for line in open(results) if line.strip()]
by = defaultdict(dict)
order = []
for r in rows:
    target, workload, rate = r[0], r[1], int(r[2])
    by[(workload, target)][rate] = r
    if target not in order:
        order.append(target)

def highest(workload, target):
    passed = [rate for rate, r in by[(workload, target)].items() if r[3] == "pass"]
    return max(passed) if passed else 0

def num(x):
    try:
        return float(x)
    except ValueError:
        return float("nan")

lines = ["# Per-request cost with SIPp: ours against Kamailio 5.6", "", f"`{command}`", "", machine, "",
         "A step passes with every call made, at most 0.1 % failed and at most 0.5 % retransmissions. CPU: utime+stime of "
         "the server's processes over the step, in % of one core and in microseconds per successful call. p50/p99: SIPp's "
         "response time of the first request (REGISTER or SUBSCRIBE to its 200).", ""]
for workload in sorted({w for (w, _) in by}):
    targets = [t for t in order if (workload, t) in by]
    lines += [f"## {workload}", "", "| target | highest passing step (calls/s) |", "|---|---|"]
    for t in targets:
        lines.append(f"| {t} | {highest(workload, t):,} |")
    lines.append("")
    rates = sorted({rate for t in targets for rate in by[(workload, t)]})
    lines += ["| calls/s | " + " | ".join(targets) + " |", "|---|" + "---|" * len(targets)]
    for rate in rates:
        cells = []
        for t in targets:
            r = by[(workload, t)].get(rate)
            cells.append("" if r is None else f"{r[3]}: {r[7]} % CPU, {r[8]} us/call, p50 {r[9]} / p99 {r[10]} ms")
        lines.append(f"| {rate:,} | " + " | ".join(cells) + " |")
    lines.append("")
    ours = "ours-sqlite"
    for kam in ("kamailio-memory", "kamailio-durable"):
        if (workload, ours) in by and (workload, kam) in by:
            common = [rate for rate in rates if by[(workload, ours)].get(rate, [""] * 4)[3] == "pass"
                      and by[(workload, kam)].get(rate, [""] * 4)[3] == "pass"]
            h_ours, h_kam = highest(workload, ours), highest(workload, kam)
            text = f"- {ours} / {kam}: highest passing step {h_ours:,} / {h_kam:,}" + (f" ({h_ours / h_kam:.2f}x)" if h_kam else "")
            if common:
                rate = max(common)
                a, b = num(by[(workload, ours)][rate][8]), num(by[(workload, kam)][rate][8])
                text += f"; CPU per call at {rate:,}/s: {a:.0f} / {b:.0f} us ({a / b:.2f}x)"
            lines.append(text)
    lines.append("")
lines += ["Every step (target, workload, calls/s, result, successful, failed, retransmissions, CPU %, us/call, p50 ms, "
          "p99 ms, calls):", "", "```"] + ["\t".join(r) for r in rows] + ["```", ""]
open(out, "w").write("\n".join(lines))
