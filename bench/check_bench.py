#!/usr/bin/env python3
"""bench/check.md's figures: keepwatch-check's cost, detection latency, saturation, start-up, RSS.

Starts its own nginx (temporary prefix, free loopback port, daemon off so its pid is ours) and
the agent through scripts/keepwatch (the launcher's JVM flags), at the shipped probe defaults
(only addresses and paths changed). Every loop is bounded; every process is stopped by pid.

usage: bench/check_bench.py [--runs N] [--rss-minutes M] [--wrk-seconds S] [--out FILE]
"""
import argparse
import json
import random
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(TOP, "scripts"))
from testbed import RealNginx, free_port, wait_until  # noqa: E402  (the nginx the lab uses too)

POLL_S = 0.002  # how often a timed wait looks: the figures are in ms


def check(agent_port):
    """One GET /check; returns the status code, or None when the agent does not answer."""
    try:
        with socket.create_connection(("127.0.0.1", agent_port), timeout=1) as s:
            s.sendall(b"GET /check HTTP/1.0\r\n\r\n")
            line = s.makefile("rb").readline().decode()
            return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        return None


def all_probes_fresh(agent_port):
    """True when every probe's last run succeeded: no failure left over from an earlier fault."""
    try:
        with socket.create_connection(("127.0.0.1", agent_port), timeout=1) as s:
            s.sendall(b"GET /status HTTP/1.0\r\n\r\n")
            body = s.makefile("rb").read().decode().split("\r\n\r\n", 1)[1]
        probes = json.loads(body)["probes"].values()
        return all(p.get("last", {}).get("ok") and p["consecutive_failures"] == 0 for p in probes)
    except (OSError, ValueError, KeyError, IndexError):
        return False


def save_results(path, results):
    """Writes a bench's results as JSON to path (under bench/out, which git ignores)."""
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        json.dump(results, f, indent=2)


def stop_all(agent, nginx, prefix):
    """Stops the agent and nginx by pid and removes their temporary prefix."""
    agent.stop()
    nginx.kill()
    shutil.rmtree(prefix, ignore_errors=True)


class Agent:
    """keepwatch run through a launcher (this tree's scripts/keepwatch unless another is given,
    e.g. a baseline build's), with its files (config, log, control socket) in `prefix`."""

    def __init__(self, prefix, nginx, launcher=None, env=None):
        os.makedirs(prefix, exist_ok=True)
        self.launcher = launcher or os.path.join(TOP, "scripts/keepwatch")
        self.env = env
        self.port = free_port()
        self.conf = os.path.join(prefix, "keepwatch.conf")
        with open(self.conf, "w") as f:
            f.write(f"""keepwatch {{
  http.listen = "127.0.0.1:{self.port}"
  control.socket = "{prefix}/run/keepwatch.sock"
  restart.enabled = false   # this bench measures detection; bench/recovery measures restarts
  nginx.pidfile = "{nginx.pidfile}"
  probes {{
    port.address = "127.0.0.1:{nginx.port}"
    home.url = "http://127.0.0.1:{nginx.port}/"
    stub.url = "http://127.0.0.1:{nginx.port}/nginx_status"
  }}
}}
""")
        self.log = open(os.path.join(prefix, "agent.log"), "w")
        self.proc = None

    def start(self):
        """Starts the agent; returns seconds from exec to the first UP answer."""
        t0 = time.monotonic()
        self.proc = subprocess.Popen([self.launcher, "run", "--config", self.conf],
                                     stdout=self.log, stderr=subprocess.STDOUT, env=self.env)
        wait_until("agent UP", 20, lambda: check(self.port) == 200, step=POLL_S)
        return time.monotonic() - t0

    def rss_kib(self):
        # scripts/keepwatch execs java, so the launcher's pid is the JVM's.
        with open(f"/proc/{self.proc.pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
        return -1

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)


def hyperfine(agent_port, runs, out_json):
    env = dict(os.environ, KEEPWATCH_CHECK_PORT=str(agent_port))
    commands = [
        ("/bin/true", "/bin/true"),
        ("keepwatch-check", os.path.join(TOP, "scripts/keepwatch-check")),
        ("classic ps -C nginx", os.path.join(TOP, "bench/classic-check.sh")),
        ("curl -f /check", f"curl -fsS -o /dev/null http://127.0.0.1:{agent_port}/check"),
    ]
    argv = ["hyperfine", "-N", "--warmup", "20", "--runs", str(runs), "--export-json", out_json]
    for name, command in commands:
        argv += ["-n", name, command]
    subprocess.run(argv, check=True, env=env, stdout=subprocess.DEVNULL)
    with open(out_json) as f:
        results = json.load(f)["results"]
    return {r["command"]: r for r in results}


def detection(nginx, agent, fault, runs):
    """Seconds from injecting the fault to /check answering 503, for `runs` injections."""
    latencies = []
    for _ in range(runs):
        wait_until("UP before injecting " + fault, 20, lambda: check(agent.port) == 200, step=POLL_S)
        # Every probe must have succeeded since the last fault: a failure left in a run would
        # count toward the next fall and make detection look faster than it is.
        wait_until("every probe fresh before " + fault, 20, lambda: all_probes_fresh(agent.port), step=POLL_S)
        time.sleep(random.uniform(0.2, 1.2))  # inject at a random phase of the probe schedules
        t0 = time.monotonic()
        if fault == "stop":
            subprocess.run(nginx.argv("-s", "stop"), check=True, timeout=10,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        elif fault == "sigkill":
            nginx.kill_at_once()
        elif fault == "sigstop":
            nginx.signal_all(signal.SIGSTOP)
        wait_until("503 after " + fault, 10, lambda: check(agent.port) == 503, step=POLL_S)
        latencies.append(time.monotonic() - t0)
        nginx.kill()
        nginx.start()
    return latencies


def saturation(nginx, agent, seconds):
    """Runs wrk against nginx and polls /check every 20 ms; returns (non-200 answers, polls, wrk summary)."""
    wrk = subprocess.Popen(["wrk", "-t2", "-c200", f"-d{seconds}s", f"http://127.0.0.1:{nginx.port}/"],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    polls, bad = 0, 0
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        polls += 1
        if check(agent.port) != 200:
            bad += 1
        time.sleep(0.02)
    out, _ = wrk.communicate(timeout=seconds + 30)
    rate = next((l.split(":")[1].strip() for l in out.splitlines() if l.startswith("Requests/sec")), "?")
    return bad, polls, rate


def pct(values, q):
    s = sorted(values)
    return s[min(len(s) - 1, int(round(q * (len(s) - 1))))]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=10, help="fault injections per fault kind")
    ap.add_argument("--hyperfine-runs", type=int, default=300)
    ap.add_argument("--rss-minutes", type=float, default=10)
    ap.add_argument("--wrk-seconds", type=int, default=30)
    ap.add_argument("--starts", type=int, default=5)
    ap.add_argument("--out", default=os.path.join(TOP, "bench/out/check.json"))
    args = ap.parse_args()
    os.makedirs(os.path.dirname(args.out), exist_ok=True)
    prefix = tempfile.mkdtemp(prefix="keepwatch-bench.")
    nginx = RealNginx(prefix)
    agent = Agent(prefix, nginx)
    results = {}
    try:
        nginx.start()
        starts = []
        for _ in range(args.starts):
            starts.append(agent.start())
            agent.stop()
        results["start_to_up_s"] = starts
        agent.start()
        started_at = time.monotonic()

        # Right after start the agent still interprets its request path; keepalived's once a
        # second warms it within minutes. Measure both: cold, then after 20,000 checks
        # (about 5.5 hours of keepalived at interval 1).
        for phase in ("cold", "warm"):
            if phase == "warm":
                for _ in range(20000):
                    check(agent.port)
            hf = hyperfine(agent.port, args.hyperfine_runs,
                           os.path.join(os.path.dirname(args.out), "hyperfine-%s.json" % phase))
            results["hyperfine_" + phase] = {k: {"median_ms": v["median"] * 1000, "mean_ms": v["mean"] * 1000,
                                                 "stddev_ms": v["stddev"] * 1000} for k, v in hf.items()}

        for fault in ("stop", "sigkill", "sigstop"):
            results["detect_" + fault + "_s"] = detection(nginx, agent, fault, args.runs)

        wait_until("UP before the saturation run", 20, lambda: check(agent.port) == 200, step=POLL_S)
        agent.log.flush()
        log_before = os.path.getsize(os.path.join(prefix, "agent.log"))
        bad, polls, rate = saturation(nginx, agent, args.wrk_seconds)
        results["saturation"] = {"non_200": bad, "polls": polls, "wrk_requests_per_s": rate,
                                 "log_from": log_before}

        remaining = args.rss_minutes * 60 - (time.monotonic() - started_at)
        if remaining > 0:
            time.sleep(remaining)
        results["rss_minutes"] = (time.monotonic() - started_at) / 60
        results["rss_kib"] = agent.rss_kib()
    finally:
        agent.stop()
        nginx.kill()
    with open(os.path.join(prefix, "agent.log")) as f:
        f.seek(results["saturation"].pop("log_from"))
        during = f.read()
    # Only what happened while wrk ran: a verdict change or a probe failure there is a false alarm.
    results["saturation"]["verdict_changes"] = during.count("verdict: ")
    results["saturation"]["probe_failures"] = during.count("failed (1 of")
    save_results(args.out, results)

    print("start to first UP (s): median %.3f of %s" % (statistics.median(starts), ["%.3f" % s for s in starts]))
    for phase in ("cold", "warm"):
        hfr = results["hyperfine_" + phase]
        for k, v in hfr.items():
            print("%s %-22s median %.3f ms  mean %.3f ms  (sd %.3f)" % (phase, k, v["median_ms"], v["mean_ms"], v["stddev_ms"]))
        kc = hfr["keepwatch-check"]["median_ms"]
        print("%s keepwatch-check / classic = %.2f, / true = %.2f" % (
            phase, kc / hfr["classic ps -C nginx"]["median_ms"], kc / hfr["/bin/true"]["median_ms"]))
    for fault in ("stop", "sigkill", "sigstop"):
        v = [x * 1000 for x in results["detect_" + fault + "_s"]]
        print("detect %-8s median %.0f ms  p90 %.0f ms  max %.0f ms  (n=%d)" % (fault, statistics.median(v), pct(v, 0.9), max(v), len(v)))
    s = results["saturation"]
    print("saturation: %d non-200 of %d polls, %d verdict changes, %d probe failures logged, wrk %s req/s"
          % (s["non_200"], s["polls"], s["verdict_changes"], s["probe_failures"], s["wrk_requests_per_s"]))
    print("RSS after %.1f min: %.1f MiB" % (results["rss_minutes"], results["rss_kib"] / 1024))
    shutil.rmtree(prefix, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
