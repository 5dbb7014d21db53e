#!/usr/bin/python3
"""bench/abuse.md's figures: /check latency from a second client while the endpoint is abused,
and whether the probes stayed on schedule.

One agent (scripts/keepwatch, production JVM flags) against a real nginx in a temporary prefix,
on free loopback ports. Phases, each --seconds long: quiet (the baseline, same run), wrk
flooding /metrics, wrk flooding /check, and slowloris (--idle connections that send half a
request and stall, refreshed as the agent closes them). During each phase a second client asks
GET /check on a new connection every 10 ms (what keepwatch-check does) and times each answer.
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
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import check_bench as cb  # noqa: E402


def ask_check(port):
    """Milliseconds for one GET /check on a new connection, or None when it failed."""
    t0 = time.perf_counter()
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=2) as s:
            s.sendall(b"GET /check HTTP/1.0\r\n\r\n")
            answer = s.recv(64)
        if not answer.startswith(b"HTTP/1.0 200"):
            return None
    except OSError:
        return None
    return (time.perf_counter() - t0) * 1000


def measure_check(port, seconds, period=0.01):
    times, failures = [], 0
    end = time.monotonic() + seconds
    for _ in range(int(seconds / period) + 1):
        if time.monotonic() >= end:
            break
        t = ask_check(port)
        if t is None:
            failures += 1
        else:
            times.append(t)
        time.sleep(period)
    times.sort()
    return {"n": len(times), "failed": failures, "median_ms": round(statistics.median(times), 3),
            "p99_ms": round(times[min(len(times) - 1, int(0.99 * len(times)))], 3), "max_ms": round(times[-1], 3)}


def probe_runs(port):
    with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
        s.sendall(b"GET /metrics HTTP/1.0\r\n\r\n")
        body = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            body += chunk
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
    """Keeps up to `count` connections that sent half a request; reopens those the agent closes."""

    def __init__(self, port, count, seconds):
        self.port, self.count, self.seconds = port, count, seconds
        self.opened = 0
        self.closed_by_agent = 0
        self.thread = threading.Thread(target=self.run, daemon=True)

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
    nginx = cb.Nginx(prefix)
    agent = cb.Agent(prefix, nginx)
    results = {}
    try:
        nginx.start()
        agent.start()
        cb.wait_for(lambda: cb.check(agent.port) == 200, 20, "agent UP")
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
                loris.thread.start()
            time.sleep(0.5)
            check = measure_check(agent.port, args.seconds - 1)
            entry = {"check": check}
            if load:
                entry["wrk_requests_per_s"] = wrk_rate(load.communicate(timeout=args.seconds + 30)[0])
            if loris:
                loris.thread.join(args.seconds + 30)
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
        agent.stop()
        nginx.reap()
        subprocess.run(["rm", "-rf", prefix])
    os.makedirs(os.path.dirname(args.out), exist_ok=True)
    with open(args.out, "w") as f:
        json.dump(results, f, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
