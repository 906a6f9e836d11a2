#!/usr/bin/env python3
"""Writes the comparison's Markdown and gnuplot script from compare.sh's results table.

report.py RESULTS.tsv STEM COMMAND MACHINE FANOUT_DESC SUBSCRIBE_DESC [SATURATE_DESC]
RESULTS.tsv rows: round, target, workload, NOTIFYs/s, p50 ms, p99 ms, errors, LoadGen exit code.
Writes STEM.md, STEM.gp (plots STEM-notifies.png and STEM-p99.png) and STEM-plot.dat.
"""
import math
import os
import statistics
import sys

TARGETS = ["ours-sqlite", "ours-postgres", "ours-orleans-dashboard", "kamailio-durable", "kamailio-memory"]
WORKLOADS = ["fanout", "saturate", "blf", "subscribe"]


def num(text):
    try:
        value = float(text)
    except ValueError:
        return math.nan
    return value


def median(values):
    values = [v for v in values if not math.isnan(v)]
    return statistics.median(values) if values else math.nan


def fmt(value, digits=0):
    if math.isnan(value):
        return "–"
    return f"{value:,.{digits}f}"


def ratio(a, b):
    if math.isnan(a) or math.isnan(b) or b == 0:
        return "–"
    return f"{a / b:.2f}"


def main():
    global WORKLOADS
    results, stem, command, machine, fanout_desc, subscribe_desc = sys.argv[1:7]
    saturate_desc = sys.argv[7] if len(sys.argv) > 7 else ""
    rows = []
    with open(results, encoding="utf-8") as f:
        for line in f:
            parts = line.rstrip("\n").split("\t")
            if len(parts) < 8:
                continue
            rows.append({"round": int(parts[0]), "target": parts[1], "workload": parts[2], "rate": num(parts[3]),
                         "p50": num(parts[4]), "p99": num(parts[5]), "errors": num(parts[6]), "exit": parts[7]})
    targets = [t for t in TARGETS if any(r["target"] == t for r in rows)]
    WORKLOADS = [w for w in WORKLOADS if any(r["workload"] == w for r in rows)]
    rounds = sorted({r["round"] for r in rows})
    med = {}
    for t in targets:
        for w in WORKLOADS:
            sel = [r for r in rows if r["target"] == t and r["workload"] == w]
            med[t, w] = {k: median([r[k] for r in sel]) for k in ("rate", "p50", "p99")}
            med[t, w]["errors"] = sum(r["errors"] for r in sel if not math.isnan(r["errors"]))
            med[t, w]["failed"] = sum(1 for r in sel if math.isnan(r["rate"]))

    name = os.path.basename(stem)
    desc = {"fanout": fanout_desc, "subscribe": subscribe_desc}
    out = [f"# Presence.Orleans beside Kamailio 5.6's presence modules ({name[:10]})" if any(t.startswith("kamailio") for t in targets)
           else f"# Presence.Orleans, {' and '.join(targets)} ({name[:10]})", "",
           "Produced by one command:", "", "```sh", command, "```", "",
           f"Machine: {machine}. Server and load generator share the cores, so every figure is the pair's.", "",
           "Targets, each started fresh (fresh database) for each run and stopped after, on UDP loopback:", "",
           "- **ours-sqlite**: Presence.Server on its embedded SQLite store (the default), `--Auth:Enabled=false "
           "--Sip:RateLimit:Enabled=false`; every change committed before it is answered.",
           *(["- **ours-postgres**: the same on PostgreSQL (`--Presence:Store=postgres`)."] if "ours-postgres" in targets else []),
           *(["- **ours-orleans-dashboard**: ours-sqlite with Orleans' dashboard on (`--OrleansDashboard:Enabled=true`) "
              "and polled every second while the load runs, so its grain-call profiler is active throughout."]
             if "ours-orleans-dashboard" in targets else []),
           *(["- **kamailio-durable**: `benchmarks/kamailio/presence.cfg -A DURABLE`: presence `subs_db_mode=1` "
              "(write-through), `publ_cache=1` (publications in the presentity table), usrloc `db_mode=1`, PostgreSQL."]
             if "kamailio-durable" in targets else []),
           *(["- **kamailio-memory**: the same configuration without a database (`subs_db_mode=0`, `publ_cache=2`, "
              "usrloc `db_mode=0`)."] if "kamailio-memory" in targets else []), "",
           *(["Presence.Orleans has no non-durable mode: the in-memory comparison is ours (durable) against Kamailio "
              "in memory, which loses every subscription and publication on restart.", ""]
             if "kamailio-memory" in targets else []),
           "Workloads (LoadGen, `benchmarks/Presence.LoadGen`):", "",
           *([f"- `{fanout_desc}`: an open loop; NOTIFYs/s follows the offered load while a server keeps up, so the "
              "latency is the figure to compare."] if "fanout" in WORKLOADS else []),
           *([f"- `{subscribe_desc}`: a closed loop; SUBSCRIBE → first NOTIFY, as fast as the server answers."]
             if "subscribe" in WORKLOADS else []),
           *([f"- `{saturate_desc}` (saturate): a closed loop of PUBLISHes to users with 40 and 200 watchers, each "
              "change awaited to its last NOTIFY: NOTIFYs/s here is the most the server delivers, the figure the "
              "fan-out target (at least 2x Kamailio durable) is about."] if saturate_desc and "saturate" in WORKLOADS else []),
           *([f"- blf: the saturate workload with `--package dialog`: busy-lamp fields (SUBSCRIBE `Event: dialog`) watching "
              "users whose phones PUBLISH dialog-info, each change a new call ringing or answered; NOTIFYs/s and "
              "change → NOTIFY as for saturate, the dialog package against presence."] if "blf" in WORKLOADS else []), "",
           *(["LoadGen matches Kamailio's NOTIFYs as it matches ours: presence_xml relays the published PIDF, so the "
              "change markers LoadGen puts in it (the alternative contact, the do-not-disturb note) come back in the "
              "NOTIFY body; no run below has unattributed NOTIFYs unless its errors say so.", ""]
             if any(t.startswith("kamailio") for t in targets) else []),
           "NOTIFYs/s: NOTIFYs matched to their change per second. Latency: change sent → NOTIFY received, ms. "
           "Errors: LoadGen's count (failed requests, missing or unexplained NOTIFYs).", ""]

    out += ["## Medians over the rounds", "",
            "| workload | target | NOTIFYs/s | p50 ms | p99 ms | errors (all rounds) |", "|---|---|---:|---:|---:|---:|"]
    for w in WORKLOADS:
        for t in targets:
            m = med[t, w]
            failed = f" ({m['failed']} runs without a result)" if m["failed"] else ""
            out.append(f"| {w} | {t} | {fmt(m['rate'])} | {fmt(m['p50'], 2)} | {fmt(m['p99'], 1)} | "
                       f"{fmt(m['errors'])}{failed} |")
    out.append("")

    pairs = [("ours-sqlite", "kamailio-durable", "durable vs durable"),
             ("ours-postgres", "kamailio-durable", "durable vs durable, both on PostgreSQL"),
             ("ours-sqlite", "kamailio-memory", "ours durable vs Kamailio in memory"),
             ("ours-postgres", "kamailio-memory", "ours on PostgreSQL vs Kamailio in memory"),
             ("ours-orleans-dashboard", "ours-sqlite", "the cost of Orleans' dashboard and its profiler")]
    ratio_rows = []
    for w in WORKLOADS:
        for ours, theirs, label in pairs:
            if (ours, w) not in med or (theirs, w) not in med:
                continue
            a, b = med[ours, w], med[theirs, w]
            ratio_rows.append(f"| {w} | {ours} / {theirs} ({label}) | {ratio(a['rate'], b['rate'])} | "
                              f"{ratio(a['p50'], b['p50'])} | {ratio(a['p99'], b['p99'])} |")
    # The dialog package against presence, on the same target.
    for t in targets:
        if (t, "blf") in med and (t, "saturate") in med:
            a, b = med[t, "blf"], med[t, "saturate"]
            ratio_rows.append(f"| blf / saturate | {t}: busy-lamp fields against presence | {ratio(a['rate'], b['rate'])} | "
                              f"{ratio(a['p50'], b['p50'])} | {ratio(a['p99'], b['p99'])} |")
    if ratio_rows:
        out += ["## Ratios (medians)", "",
                "NOTIFYs/s above 1: the first delivers more. p50 and p99 above 1: the first is slower by that factor.", "",
                "| workload | comparison | NOTIFYs/s | p50 | p99 |", "|---|---|---:|---:|---:|", *ratio_rows, ""]

    out += ["## Every run", "", "| round | workload | target | NOTIFYs/s | p50 ms | p99 ms | errors | LoadGen exit |",
            "|---:|---|---|---:|---:|---:|---:|---|"]
    for r in sorted(rows, key=lambda r: (r["round"], WORKLOADS.index(r["workload"]) if r["workload"] in WORKLOADS else 9,
                                          TARGETS.index(r["target"]) if r["target"] in TARGETS else 9)):
        out.append(f"| {r['round']} | {r['workload']} | {r['target']} | {fmt(r['rate'])} | {fmt(r['p50'], 2)} | "
                   f"{fmt(r['p99'], 1)} | {fmt(r['errors'])} | {r['exit']} |")
    out += ["", f"Rounds: {len(rounds)}; the targets' order rotates from round to round.", "",
            f"![NOTIFYs per second]({name}-notifies.png)", "", f"![change → NOTIFY p99]({name}-p99.png)", ""]
    with open(stem + ".md", "w", encoding="utf-8") as f:
        f.write("\n".join(out))

    with open(stem + "-plot.dat", "w", encoding="utf-8") as f:
        f.write("workload " + " ".join(targets) + "\n")
        for w in WORKLOADS:
            f.write(w + " " + " ".join("NaN" if math.isnan(med[t, w]["rate"]) else f"{med[t, w]['rate']:.1f}"
                                       for t in targets) + "\n")
        f.write("\n\n")
        f.write("workload " + " ".join(targets) + "\n")
        for w in WORKLOADS:
            f.write(w + " " + " ".join("NaN" if math.isnan(med[t, w]["p99"]) else f"{med[t, w]['p99']:.2f}"
                                       for t in targets) + "\n")
    n = len(targets)
    gp = f"""set terminal pngcairo size 900,500 font ',10'
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set key top left
set grid ytics
set yrange [0:*]
set output '{stem}-notifies.png'
set title 'NOTIFYs per second (median of {len(rounds)} rounds; fanout is an open loop at a fixed rate)'
set ylabel 'NOTIFYs/s'
plot for [i=2:{n + 1}] '{stem}-plot.dat' index 0 using i:xtic(1) title columnheader(i)
set output '{stem}-p99.png'
set title 'change -> NOTIFY p99, ms (median of {len(rounds)} rounds; lower is better)'
set ylabel 'ms'
plot for [i=2:{n + 1}] '{stem}-plot.dat' index 1 using i:xtic(1) title columnheader(i)
"""
    with open(stem + ".gp", "w", encoding="utf-8") as f:
        f.write(gp)


if __name__ == "__main__":
    main()
