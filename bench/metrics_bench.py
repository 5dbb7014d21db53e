#!/usr/bin/env python3
"""bench/metrics.md's figures: /metrics latency and memory, keepwatch vs nginx-prometheus-exporter.

Both scrape the same nginx (temporary prefix, free loopback port). For each: keep-alive latency
(wrk -t1 -c1, --latency), new-connection latency (one HTTP/1.0 request per connection), with
nginx healthy and with nginx hung (SIGSTOP), and RSS after 5,000 scrapes. Loops are bounded;
processes are stopped by pid.

usage: bench/metrics_bench.py [--seconds S] [--requests N]
"""
import argparse
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import check_bench as cb  # noqa: E402
from testbed import RealNginx, free_port, wait_until  # noqa: E402  (scripts/, put on the path by check_bench)

EXPORTER = "/usr/bin/prometheus-nginx-exporter"


def scrape_once(port):
    """Seconds for one GET /metrics on a new connection, reading the whole answer."""
    t0 = time.perf_counter()
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        s.sendall(b"GET /metrics HTTP/1.0\r\n\r\n")
        while s.recv(65536):
            pass
    return time.perf_counter() - t0


def new_connection(port, n):
    times = sorted(scrape_once(port) * 1000 for _ in range(n))
    return {"median_ms": statistics.median(times), "p99_ms": times[min(len(times) - 1, int(0.99 * len(times)))], "n": n}


def keep_alive(port, seconds):
    out = subprocess.run(["wrk", "-t1", "-c1", "-d%ds" % seconds, "--latency", "http://127.0.0.1:%d/metrics" % port],
                         capture_output=True, text=True, timeout=seconds + 30).stdout
    def ms(label):
        for line in out.splitlines():
            parts = line.split()
            if parts and parts[0] == label:
                v = parts[1]
                return float(v[:-2]) if v.endswith("ms") else float(v[:-2]) / 1000 if v.endswith("us") else float(v[:-1]) * 1000
        return None
    requests = next((int(l.split()[0]) for l in out.splitlines() if "requests in" in l), 0)
    return {"median_ms": ms("50%"), "p99_ms": ms("99%"), "requests": requests}


def rss_kib(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return -1


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=int, default=10)
    ap.add_argument("--requests", type=int, default=1000)
    ap.add_argument("--out", default=os.path.join(cb.TOP, "bench/out/metrics.json"))
    args = ap.parse_args()
    prefix = tempfile.mkdtemp(prefix="keepwatch-metrics.")
    nginx = RealNginx(prefix)
    agent = cb.Agent(prefix, nginx)
    exporter = None
    results = {}
    try:
        nginx.start()
        agent.start()
        exporter_port = free_port()
        exporter = subprocess.Popen([EXPORTER, "-nginx.scrape-uri", "http://127.0.0.1:%d/nginx_status" % nginx.port,
                                     "-web.listen-address", "127.0.0.1:%d" % exporter_port],
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_until("agent UP", 20, lambda: cb.check(agent.port) == 200)
        wait_until("exporter listening", 10, lambda: _listening(exporter_port))
        targets = {"keepwatch": (agent.port, agent.proc.pid), "exporter": (exporter_port, exporter.pid)}
        scrapes = {name: 0 for name in targets}
        for name, (port, _) in targets.items():
            ka = keep_alive(port, args.seconds)
            nc = new_connection(port, args.requests)
            scrapes[name] += ka["requests"] + nc["n"]
            results[name + "_healthy"] = {"keep_alive": ka, "new_connection": nc}
        # Top both up to 5,000 scrapes, then read their memory.
        for name, (port, pid) in targets.items():
            for _ in range(max(0, 5000 - scrapes[name])):
                scrape_once(port)
            results[name + "_rss_kib_after_scrapes"] = {"rss_kib": rss_kib(pid), "scrapes": max(5000, scrapes[name])}
        # nginx hung: master and workers stopped.
        pids = nginx.signal_all(signal.SIGSTOP)
        try:
            wait_until("keepwatch nginx_up 0", 20, lambda: b"\nnginx_up 0\n" in metrics_body(agent.port))
            results["keepwatch_hung"] = {"new_connection": new_connection(agent.port, 200)}
            # The exporter waits for its nginx timeout (5 s by default) on every scrape: 3 samples.
            results["exporter_hung"] = {"new_connection": new_connection(exporter_port, 3)}
        finally:
            for pid in pids:
                os.kill(pid, signal.SIGCONT)
    finally:
        if exporter:
            exporter.kill()
            exporter.wait(10)
        cb.stop_all(agent, nginx, prefix)
    cb.save_results(args.out, results)
    print(json.dumps(results, indent=2))


def _listening(port):
    try:
        socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
        return True
    except OSError:
        return False


def metrics_body(port):
    """The whole GET /metrics answer (head and body), on a new connection."""
    with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
        s.sendall(b"GET /metrics HTTP/1.0\r\n\r\n")
        data = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                return data
            data += chunk


if __name__ == "__main__":
    sys.exit(main())
