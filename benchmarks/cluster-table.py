#!/usr/bin/env python3
"""Turns the LoadGen JSON files of benchmarks/cluster-scaling.sh into one Markdown table (stdout)."""
import glob
import json
import sys

out = sys.argv[1] if len(sys.argv) > 1 else "benchmarks/results/cluster"
print("| silos | workload | changes/s | NOTIFYs/s | change→NOTIFY p50 / p99 ms | request p50 / p99 ms | errors |")
print("|---:|---|---:|---:|---:|---:|---:|")
for silos in (1, 2, 3):
    for workload in ("register", "subscribe"):
        files = sorted(glob.glob(f"{out}/{silos}-silos/{workload}-*.json"))
        if not files:
            continue
        d = json.load(open(files[-1]))
        measured = next(r for r in d["requests"] if r["phase"] == "measured")
        errors = sum(r["sent"] - r["succeeded"] for r in d["requests"]) + d["notifies"]["missing"]
        c = d["changeToNotify"]
        lat = measured["latency"]
        print(f"| {silos} | {workload} | {d['changes']['perSecond']:,.0f} | {d['notifies']['matchedPerSecond']:,.0f} | "
              f"{c['p50Ms']:.1f} / {c['p99Ms']:.0f} | {lat['p50Ms']:.1f} / {lat['p99Ms']:.0f} | {errors} |")
