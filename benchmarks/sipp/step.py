#!/usr/bin/env python3
"""One rate step of benchmarks/sipp.sh: reads SIPp's statistics (stats.csv, the last line holds the totals) and its
response times (*_rtt.csv) in the step's folder, and prints one tab-separated row: target, workload, rate, pass|fail,
successful calls, failed calls, retransmissions, server CPU in % of one core, server CPU in microseconds per call,
p50 and p99 of the response time in ms, and the calls the step was to make."""
import csv
import glob
import sys

folder, target, workload, rate, calls, ticks, hz, elapsed = sys.argv[1:9]
rate, calls, ticks, hz, elapsed = int(rate), int(calls), int(ticks), int(hz), float(elapsed)

ok = failed = retrans = 0
stats = glob.glob(f"{folder}/stats.csv")
if stats:
    with open(stats[0], newline="") as f:
        rows = list(csv.reader(f, delimiter=";"))
    if len(rows) >= 2:
        header, last = rows[0], rows[-1]
        col = {name: i for i, name in enumerate(header)}
        def value(name):
            i = col.get(name)
            return int(float(last[i])) if i is not None and i < len(last) and last[i].strip() else 0
        ok, failed, retrans = value("SuccessfulCall(C)"), value("FailedCall(C)"), value("Retransmissions(C)")

times = []
for path in glob.glob(f"{folder}/*_rtt.csv"):
    with open(path) as f:
        for line in f:
            parts = line.strip().split(";")
            if len(parts) >= 2:
                try:
                    times.append(float(parts[1]))
                except ValueError:
                    pass
times.sort()
def pct(p):
    return f"{times[min(len(times) - 1, int(p * len(times)))]:.2f}" if times else "nan"

cpu_seconds = ticks / hz
cpu_percent = 100 * cpu_seconds / elapsed if elapsed > 0 else 0
per_call = 1e6 * cpu_seconds / ok if ok else float("nan")
# RFC-style pass: every call made, at most 0.1 % failed, retransmissions at most 0.5 % of the calls' requests.
passed = ok + failed >= calls and failed <= calls * 0.001 and retrans <= calls * 0.005
print("\t".join([target, workload, str(rate), "pass" if passed else "fail", str(ok), str(failed), str(retrans),
                 f"{cpu_percent:.0f}", f"{per_call:.0f}", pct(0.50), pct(0.99), str(calls)]))
