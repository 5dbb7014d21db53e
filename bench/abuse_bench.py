#!/usr/bin/python3
"""bench/abuse.md's figures: /check latency from a second client while the endpoint is abused,
and whether the probes stayed on schedule.

One agent (scripts/keepwatch, production JVM flags) against a real nginx in a temporary prefix,
on free loopback ports. Phases, each --seconds long: quiet (the baseline, same run), wrk
flooding /metrics, wrk flooding /check, and slowloris (--idle connections that send half a
request and stall, refreshed as the agent closes them). During each phase a second client
(bench/src/checklat.c, built with gcc) asks GET /check on a new connection every 10 ms (what
keepwatch-check does, without bash's cost) and times each answer.
Probe runs per phase come from keepwatch_probe_duration_seconds_count. Bounded loops; processes
stopped by pid.

usage: bench/abuse_bench.py [--seconds S] [--idle N]
"""
import argparse
import json
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import multiprocessing
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import check_bench as cb  # noqa: E402
import metrics_bench as mb  # noqa: E402
from testbed import RealNginx, wait_until  # noqa: E402  (scripts/, put on the path by check_bench)


CHECKLAT_SOURCE = os.path.join(cb.TOP, "bench/src/checklat.c")
CHECKLAT = os.path.join(cb.TOP, "bench/out/checklat")


def build_checklat():
    os.makedirs(os.path.dirname(CHECKLAT), exist_ok=True)
    subprocess.run(["gcc", "-O2", "-o", CHECKLAT, CHECKLAT_SOURCE], check=True)


def measure_check(port, seconds, period_us=10000):
    """The second client: GET /check on a new connection every 10 ms (bench/src/checklat.c)."""
    out = subprocess.run([CHECKLAT, str(port), str(seconds), str(period_us)], capture_output=True, text=True,
                         timeout=seconds + 60, check=True).stdout.split()
    times = sorted(float(t) / 1000 for t in out if float(t) >= 0)
    kinds = {"-1.0": "connect", "-2.0": "write", "-3.0": "read", "-4.0": "closed", "-5.0": "not 200", "-6.0": "no answer in 2 s"}
    failures = {}
    for t in out:
        if float(t) < 0:
            failures[kinds.get(t, t)] = failures.get(kinds.get(t, t), 0) + 1
    return {"n": len(times), "failed": failures, "median_ms": round(statistics.median(times), 3),
            "p99_ms": round(times[min(len(times) - 1, int(0.99 * len(times)))], 3), "max_ms": round(times[-1], 3)}


def probe_runs(port):
    body = mb.metrics_body(port)
    runs = {}
    for m in re.finditer(rb'keepwatch_probe_duration_seconds_count\{[^}]*probe="([^"]+)"[^}]*\} ([0-9.eE+]+)', body):
        runs[m.group(1).decode()] = float(m.group(2))
    return runs


def wrk(port, path, seconds, connections):
    return subprocess.Popen(["wrk", "-t1", "-c%d" % connections, "-d%ds" % seconds, "http://127.0.0.1:%d%s" % (port, path)],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def wrk_rate(output):
    m = re.search(r"Requests/sec:\s+([0-9.]+)", output)
    return float(m.group(1)) if m else None


class Slowloris:
    """Keeps up to `count` connections that sent half a request; reopens those the agent closes.
    Runs in its own process (no GIL shared with anything measured); counts come back by a pipe."""

    def __init__(self, port, count, seconds):
        self.port, self.count, self.seconds = port, count, seconds
        self.opened = 0
        self.closed_by_agent = 0
        self.results, child_end = multiprocessing.Pipe(duplex=False)
        self.process = multiprocessing.Process(target=self.run_and_report, args=(child_end,), daemon=True)

    def run_and_report(self, pipe):
        self.run()
        pipe.send((self.opened, self.closed_by_agent))

    def start(self):
        self.process.start()

    def join(self, timeout):
        if self.results.poll(timeout):
            self.opened, self.closed_by_agent = self.results.recv()
        self.process.join(5)
        if self.process.is_alive():
            self.process.kill()

    def run(self):
        open_sockets = []
        end = time.monotonic() + self.seconds
        try:
            for _ in range(100_000):  # bounded
                if time.monotonic() >= end:
                    break
                alive = []
                for s in open_sockets:
                    try:
                        s.setblocking(False)
                        if s.recv(1) == b"":
                            self.closed_by_agent += 1
                            s.close()
                            continue
                    except BlockingIOError:
                        pass
                    except OSError:
                        self.closed_by_agent += 1
                        s.close()
                        continue
                    alive.append(s)
                open_sockets = alive
                while len(open_sockets) < self.count:
                    s = socket.create_connection(("127.0.0.1", self.port), timeout=2)
                    s.sendall(b"GET /check HTTP/1.1\r\nHost: x\r\nX-Slow: ")
                    open_sockets.append(s)
                    self.opened += 1
                time.sleep(0.2)
        finally:
            for s in open_sockets:
                s.close()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=int, default=15)
    ap.add_argument("--idle", type=int, default=1000, help="slowloris connections kept open")
    ap.add_argument("--out", default=os.path.join(cb.TOP, "bench/out/abuse.json"))
    args = ap.parse_args()
    prefix = tempfile.mkdtemp(prefix="keepwatch-abuse.")
    nginx = RealNginx(prefix)
    agent = cb.Agent(prefix, nginx)
    results = {}
    build_checklat()
    try:
        nginx.start()
        agent.start()
        wait_until("agent UP", 20, lambda: cb.check(agent.port) == 200)
        time.sleep(2)
        for phase in ("quiet", "flood /metrics", "flood /check", "slowloris"):
            before = probe_runs(agent.port)
            t0 = time.monotonic()
            load, loris = None, None
            if phase == "flood /metrics":
                load = wrk(agent.port, "/metrics", args.seconds, 50)
            elif phase == "flood /check":
                load = wrk(agent.port, "/check", args.seconds, 50)
            elif phase == "slowloris":
                loris = Slowloris(agent.port, args.idle, args.seconds)
                loris.start()
            time.sleep(0.5)
            check = measure_check(agent.port, args.seconds - 1)
            entry = {"check": check}
            if load:
                entry["wrk_requests_per_s"] = wrk_rate(load.communicate(timeout=args.seconds + 30)[0])
            if loris:
                loris.join(args.seconds + 30)
                entry["slowloris_opened"] = loris.opened
                entry["slowloris_closed_by_agent"] = loris.closed_by_agent
            elapsed = time.monotonic() - t0
            after = probe_runs(agent.port)
            entry["probe_runs_per_s"] = {p: round((after[p] - before.get(p, 0)) / elapsed, 2) for p in after}
            entry["agent_rss_kib"] = agent.rss_kib()
            results[phase] = entry
            print(phase, json.dumps(entry), flush=True)
            time.sleep(1)
    finally:
        cb.stop_all(agent, nginx, prefix)
    cb.save_results(args.out, results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
