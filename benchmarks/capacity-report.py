#!/usr/bin/env python3
"""Writes the Markdown of benchmarks/capacity.sh from its rows (one per step, tab-separated):
users, p50, p99, p99.9 (ms), NOTIFYs/s, PUBLISHes/s, errors, server CPU %, server peak RSS MiB, seed seconds,
the load generator's GC pauses in ms."""
import sys

rows_file, out, command, machine, passed, missed, half, limit, watchers = sys.argv[1:10]
passed, missed, half, limit, watchers = int(passed), int(missed), int(half), float(limit), int(watchers)

rows = []
with open(rows_file) as f:
    for line in f:
        c = line.rstrip("\n").split("\t")
        if len(c) < 10:
            continue
        rows.append({
            "users": int(c[0]), "p50": float(c[1]), "p99": float(c[2]), "p999": float(c[3]), "notifies": float(c[4]),
            "publishes": float(c[5]), "errors": int(c[6]), "cpu": float(c[7]), "rss": float(c[8]), "seed": float(c[9]),
            "gc": float(c[10]) if len(c) > 10 and c[10] else float("nan"),
        })


def verdict(r):
    if r["errors"]:
        return "miss (errors)"
    return "pass" if r["p99"] <= limit else "miss"


lines = [
    f"# Capacity of one process, {out.rsplit('/', 1)[-1][:10]}",
    "",
    "```sh",
    command,
    "```",
    "",
    f"Machine: {machine}.",
    "",
    "The Skype for Business user model in real time: every user has "
    f"{watchers} watchers (other users, on the load generator's sockets) and publishes a ~4 KB PIDF document 4 times "
    "an hour, so N users cause N/900 PUBLISHes a second, each fanning out to "
    f"{watchers} NOTIFYs. Each step seeds a fresh SQLite store with the users and subscriptions (the server's own "
    "presence logic makes the rows), starts the server on it (Release, the embedded default, one process) and "
    "runs `Presence.LoadGen seeded` against it; nothing is activated beforehand, so each PUBLISH finds its user on "
    "disk, as it would a user idle for longer than the server's 10-minute idle timeout (the model's users publish "
    "every 15 minutes). The load generator runs on the same two cores (server CPU: one core = 100 %; the "
    "load generator's own GC pauses delay what it receives, so they are listed). Latencies: PUBLISH sent -> each NOTIFY "
    "received, warm-up excluded. A step passes with p99 at most "
    f"{limit:g} ms and no error (every NOTIFY owed arrived, every PUBLISH got its 200).",
    "",
    "| users | subscriptions | PUBLISH/s | NOTIFY/s | p50 ms | p99 ms | p99.9 ms | errors | server CPU | server peak RSS | LoadGen GC pauses | seed | verdict |",
    "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
]
for r in rows:
    note = " (half capacity)" if half and r["users"] == half else ""
    lines.append(
        f"| {r['users']:,} | {r['users'] * watchers:,} | {r['publishes']:.1f} | {r['notifies']:,.0f} | {r['p50']:.2f} | "
        f"{r['p99']:.2f} | {r['p999']:.2f} | {r['errors']} | {r['cpu']:.0f} % | {r['rss']:,.0f} MiB | {r['gc']:,.0f} ms | {r['seed']:.0f} s | "
        f"{verdict(r)}{note} |")
lines.append("")
if passed:
    lines.append(f"**Capacity: {passed:,} users** with {watchers} watchers each ({passed * watchers:,} subscriptions), "
                 f"p99 change -> NOTIFY within {limit:g} ms" + (f"; the next step, {missed:,} users, missed." if missed else
                                                               "; no step missed (raise STEPS to find the limit)."))
else:
    lines.append(f"**No step passed** (p99 within {limit:g} ms and no error): lower STEPS.")
lines.append("")
target_users = 250_000
if passed:
    ratio = passed / target_users
    lines.append(f"Target (issue 7): at least {target_users:,} users with 40 watchers: "
                 + ("met" if passed >= target_users else f"not met, {ratio:.2f}x of it") + ".")
half_row = next((r for r in rows if half and r["users"] == half), None)
if half_row:
    lines.append(f"Target: p99 at most 10 ms at half capacity ({half:,} users): {half_row['p99']:.2f} ms, "
                 + ("met." if half_row["p99"] <= 10 else f"not met ({half_row['p99'] / 10:.1f}x the target)."))
lines.append("")
with open(out, "w") as f:
    f.write("\n".join(lines))
print("\n".join(lines))
