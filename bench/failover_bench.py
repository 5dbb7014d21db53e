#!/usr/bin/python3
"""Failover bench: client-visible outage and VIP move time in the two-node lab, per fault and
per health-check mode, all in one run (bench/failover.md).

  sudo /usr/bin/python3 bench/failover_bench.py [--runs 3] [--window 10] [--modes ...] [--faults ...]

For each run, each mode: `lab up --mode MODE`, then for each fault `lab measure FAULT` (a client
requests the VIP every 20 ms or --period, new connection each, 1 s timeout) and `lab recover`, then
`lab down`. Every measurement goes to bench/out/failover.jsonl as it is made; the medians are
printed as a markdown table at the end (and with --report alone, from that file).
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import time

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LAB = os.path.join(TOP, "scripts", "lab", "lab")
DEFAULT_OUT = os.path.join(TOP, "bench", "out", "failover.jsonl")
MODES = ["track-file", "vrrp-script", "classic", "careful"]
# Modes for the advert_int trade-off only (--modes): the track-file examples with advert_int 1.
EXTRA_MODES = ["track-file-advert-1s"]
FAULTS = ["stop", "unrecoverable", "hung", "kill-master", "keepalived-stop", "reload", "saturate",
          "agent-restart", "agent-kill-restart", "agent-kill", "upgrade", "same-error-both", "same-error-apart",
          "same-error-one",
          "keepalived-kill", "port-stranger"]
EXTRA_FAULTS = ["keepalived-pause"]
# Faults of the agent itself: nothing to do in a mode without one.
AGENT_FAULTS = {"agent-restart", "agent-kill-restart", "agent-kill", "upgrade"}
BASELINES = {"classic", "careful"}
# Faults a restart in place repairs: their "served again" table.
RESTART_FAULTS = ("stop", "kill-master", "hung")


def lab(*args, timeout=180):
    done = subprocess.run([LAB, "--name", "kwbench", *args], capture_output=True, text=True, timeout=timeout)
    if done.returncode != 0:
        raise RuntimeError(f"lab {' '.join(args)}: {done.stderr.strip()}")
    return done.stdout


def bench(runs, window, modes, faults, path, period):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "a") as out:
        for run in range(1, runs + 1):
            for mode in modes:
                lab("down")
                lab("up", "--mode", mode)
                for fault in faults:
                    if mode in BASELINES and fault in AGENT_FAULTS:
                        continue
                    try:
                        report = json.loads(lab("measure", fault, "--window", str(window), "--period", str(period)))
                    except RuntimeError as e:
                        report = {"mode": mode, "fault": fault, "error": str(e)}
                    report.update({"run": run, "at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())})
                    out.write(json.dumps(report) + "\n")
                    out.flush()
                    print(json.dumps(report), flush=True)
                    try:
                        lab("recover")
                    except RuntimeError as e:  # a lab that cannot recover is rebuilt
                        print(f"recover failed after {mode}/{fault}: {e}; rebuilding", flush=True)
                        lab("down")
                        lab("up", "--mode", mode)
                lab("down")


def median_text(values, unit="ms"):
    values = [v for v in values if v is not None]
    if not values:
        return "-"
    return f"{statistics.median(values):.0f} {unit}" if unit else f"{statistics.median(values):.0f}"


def figures(rows, key, unit=""):
    """The median, then each run's value in parentheses: "2 (0, 2, 2)"."""
    values = [r.get(key) for r in rows]
    each = ", ".join("-" if v is None else str(v) for v in values)
    return f"{median_text(values, unit)} ({each})"


def priority_move_ms(row):
    """From node1's agent turning DEGRADED to the VIP arriving on node2, when the row says both."""
    since, at, moved = row.get("node1_verdict_since"), row.get("fault_at"), row.get("vip_moved_ms")
    if since is None or at is None or moved is None:
        return None
    return round(moved - (since - at) * 1000)


def report(path):
    rows = [json.loads(line) for line in open(path)]
    print("| fault | mode | runs | outage | failed requests | VIP moves | VIP on node2 after | served at end |")
    print("|---|---|---|---|---|---|---|---|")
    for fault in FAULTS + EXTRA_FAULTS:
        for mode in MODES + EXTRA_MODES:
            rs = [r for r in rows if r["mode"] == mode and r["fault"] == fault and "error" not in r]
            if not rs:
                continue
            ends = sorted({r.get("served_at_end") or "nobody" for r in rs})
            print(f"| {fault} | {mode} | {len(rs)} | {figures(rs, 'outage_ms', 'ms')} | {figures(rs, 'failed')} | "
                  f"{figures(rs, 'vip_moves')} | {figures(rs, 'vip_moved_ms', 'ms')} | {', '.join(ends)} |")
    restarts = [r for r in rows if r["fault"] in RESTART_FAULTS and "error" not in r]
    if restarts:
        print("\n(served again: the fault to the start of the first request that succeeded after the last failed"
              " one; '-' for a run in which none failed, left out of the median)")
        print("\n| fault | mode | runs | client's requests every | served again after the fault |")
        print("|---|---|---|---|---|")
        for fault in RESTART_FAULTS:
            for mode in MODES + EXTRA_MODES:
                rs = [r for r in restarts if r["mode"] == mode and r["fault"] == fault]
                periods = sorted({f"{r['period_ms']} ms" if "period_ms" in r else "20 ms" for r in rs})
                if rs:
                    print(f"| {fault} | {mode} | {len(rs)} | {', '.join(periods)} | {figures(rs, 'served_again_ms', 'ms')} |")
    moves = [r for r in rows if r["fault"] == "same-error-one" and "error" not in r]
    if moves:
        print("\n| mode | runs | DEGRADED to VIP on node2 (priority move) | fault to VIP on node2 |")
        print("|---|---|---|---|")
        for mode in MODES + EXTRA_MODES:
            rs = [dict(r, priority_move_ms=priority_move_ms(r)) for r in moves if r["mode"] == mode]
            if rs:
                print(f"| {mode} | {len(rs)} | {figures(rs, 'priority_move_ms', 'ms')} | {figures(rs, 'vip_moved_ms', 'ms')} |")
    errors = [r for r in rows if "error" in r]
    for r in errors:
        print(f"\nerror: {r['mode']}/{r['fault']} run {r['run']}: {r['error']}")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--window", type=float, default=10.0)
    parser.add_argument("--modes", nargs="+", default=MODES, choices=MODES + EXTRA_MODES)
    parser.add_argument("--faults", nargs="+", default=FAULTS, choices=FAULTS + EXTRA_FAULTS)
    parser.add_argument("--period", type=float, default=0.02,
                        help="seconds between the client's requests (default 0.02; 0.005 for a short outage)")
    parser.add_argument("--out", default=DEFAULT_OUT, help="where the JSON lines go (default bench/out/failover.jsonl)")
    parser.add_argument("--report", action="store_true", help="only print the table from --out")
    args = parser.parse_args()
    if not args.report:
        if os.path.exists(args.out):
            os.rename(args.out, args.out + ".previous")
        bench(args.runs, args.window, args.modes, args.faults, args.out, args.period)
    report(args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
