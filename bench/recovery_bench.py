#!/usr/bin/env python3
"""bench/recovery.md's figures: fault -> nginx serving again, keepwatch vs the classic loop.

For each fault (nginx stopped, master and workers SIGKILLed, master and workers SIGSTOPped) and
each watchdog (keepwatch at its shipped defaults with scripts/nginx-hard-restart as restart
command; bench/classic-loop.sh), in the same run: inject the fault, then GET / on nginx every
10 ms until it answers 200 again (at most --give-up seconds). nginx is daemonized, as in
production; this process is a child subreaper that reaps orphans, as init would, so `ps -C nginx`
does not see zombies a real init would have removed. Loops are bounded; processes stopped by pid.

usage: bench/recovery_bench.py [--runs N] [--give-up S] [--keepwatch NAME=TREE ...] [--hold-vip 0s,1s]
                               [--no-classic]
--keepwatch runs TREE's launcher and jar (e.g. a baseline build) instead of this tree's, named NAME.
"""
import argparse
import ctypes
import json
import os
import random
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import check_bench as cb  # noqa: E402  (Agent, check, all_probes_fresh, save_results)
from testbed import RealNginx, send_signal, wait_until  # noqa: E402  (scripts/, put on the path by check_bench)

TOP = cb.TOP
PR_SET_CHILD_SUBREAPER = 36


def become_subreaper():
    libc = ctypes.CDLL("libc.so.6", use_errno=True)
    if libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_CHILD_SUBREAPER)")
    stop = threading.Event()

    def reap():
        while not stop.is_set():
            try:
                while os.waitpid(-1, os.WNOHANG)[0] > 0:
                    pass
            except ChildProcessError:
                pass
            time.sleep(0.01)

    threading.Thread(target=reap, daemon=True).start()
    return stop


def serves(port):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5) as s:
            s.settimeout(0.5)
            s.sendall(b"GET / HTTP/1.0\r\n\r\n")
            return s.recv(12).startswith(b"HTTP/1.1 200")
    except OSError:
        return False


def inject(nginx, fault):
    """Injects fault into a running nginx; returns the pids hit (master first).
    stop: SIGTERM to the master (what nginx -s stop sends); sigkill: SIGKILL to master and
    workers, the master stopped first; sigstop: SIGSTOP to master and workers."""
    if nginx.master_pid() is None:
        raise RuntimeError("no live nginx master to inject %s into" % fault)
    if fault == "stop":
        victims = nginx.all_pids()
        os.kill(victims[0], signal.SIGTERM)
        return victims
    if fault == "sigkill":
        return nginx.kill_at_once()
    if fault == "sigstop":
        return nginx.signal_all(signal.SIGSTOP)
    raise ValueError("unknown fault " + fault)


def run_fault(nginx, fault, give_up, agent_port=None):
    """Seconds from the fault to the first 200 from nginx (None if it never came back), the
    seconds from the fault to the agent's first 503 (None without an agent), and the pids hit."""
    wait_until("nginx serving before " + fault, 30, lambda: serves(nginx.port), step=cb.POLL_S)
    # At a random phase of the agent's schedules, as a real fault comes: the watch looks at the
    # master every 100 ms, and a fixed pause after the probes' last run would hit the same phase.
    time.sleep(random.uniform(0.5, 1.5))
    victims = inject(nginx, fault)
    t0 = time.monotonic()
    end = t0 + give_up
    served = None
    down_seen = False  # a dying nginx may still answer the first polls: only a comeback counts
    first_503 = None
    last_503 = None
    while time.monotonic() < end:
        now = time.monotonic() - t0
        if served is None:
            if not serves(nginx.port):
                down_seen = True
            elif down_seen:
                served = now
        if agent_port:
            status = cb.check(agent_port)
            if status != 200:
                first_503 = now if first_503 is None else first_503
                last_503 = now
            elif served is not None and now > 0.05:
                break  # nginx serves and the check says UP: done
        elif served is not None:
            break
        time.sleep(0.005)
    window = None if first_503 is None else last_503 - first_503
    return served, window, victims


def cleanup_after(nginx, victims):
    for pid in victims:
        if pid <= 0:  # kill(-1) would signal every process we may signal
            continue
        send_signal(pid, signal.SIGCONT)
        send_signal(pid, signal.SIGKILL)
    time.sleep(0.2)


def bench_keepwatch(prefix, runs, give_up, hold_vip, launcher=None):
    nginx = RealNginx(prefix, daemon=True)
    nginx.start()
    agent = cb.Agent(prefix, nginx, launcher)
    # Shipped defaults, with this nginx's commands: the hard restart handles a hung master too.
    # 50 attempts, not the default 3, so the bench's 15 faults never escalate; 49 x (grace 5 s +
    # backoff 1 s) still fits the default 5-minute window, which the agent checks at start.
    with open(agent.conf) as f:
        conf = f.read()
    # The build's own restart script: a before/after compares what each tree ships.
    scripts = os.path.dirname(launcher) if launcher else os.path.join(TOP, "scripts")
    restart = json.dumps([os.path.join(scripts, "nginx-hard-restart"), nginx.pidfile] + nginx.argv())
    test = json.dumps(nginx.files.config_test_argv())
    conf = conf.replace("  restart.enabled = false   # this bench measures detection; bench/recovery measures restarts\n", "")
    conf = conf.replace("keepwatch {", "keepwatch {\n  nginx.restart = %s\n  nginx.config-test = %s\n  restart.max-attempts = 50\n  restart.hold-vip = %s\n" % (restart, test, hold_vip), 1)
    with open(agent.conf, "w") as f:
        f.write(conf)
    results = {}
    try:
        agent.start()
        for fault in ("stop", "sigkill", "sigstop"):
            results[fault] = []
            results[fault + "_check503"] = []
            for _ in range(runs):
                wait_until("UP", 30, lambda: cb.check(agent.port) == 200, step=cb.POLL_S)
                wait_until("probes fresh", 30, lambda: cb.all_probes_fresh(agent.port), step=cb.POLL_S)
                took, window, victims = run_fault(nginx, fault, give_up, agent.port)
                results[fault].append(took)
                results[fault + "_check503"].append(window or 0.0)
                cleanup_after(nginx, [v for v in victims if v != nginx.master_pid()])
            wait_until("UP after " + fault, 30, lambda: cb.check(agent.port) == 200, step=cb.POLL_S)
    finally:
        agent.stop()
        nginx.kill()
    return results


def bench_classic(prefix, runs, give_up):
    nginx = RealNginx(prefix, daemon=True)
    nginx.start()
    loop = subprocess.Popen([os.path.join(TOP, "bench/classic-loop.sh")] + nginx.argv(),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    results = {}
    try:
        for fault in ("stop", "sigkill", "sigstop"):
            results[fault] = []
            for _ in range(runs):
                took, _, victims = run_fault(nginx, fault, give_up)
                results[fault].append(took)
                if took is None:
                    # The classic loop never noticed: recover by hand for the next run.
                    cleanup_after(nginx, victims)
                    wait_until("hand cleanup", 10, lambda: nginx.master_pid() is None or serves(nginx.port),
                               step=cb.POLL_S)
                    if not serves(nginx.port):
                        subprocess.run(nginx.argv(), check=False)
    finally:
        loop.kill()
        loop.wait(10)
        nginx.kill()
    return results


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--give-up", type=float, default=20)
    ap.add_argument("--keepwatch", action="append", metavar="NAME=TREE",
                    help="a keepwatch build to run (repeat for a baseline); default: this tree")
    ap.add_argument("--hold-vip", default="0s,1s", help="the restart.hold-vip values to run")
    ap.add_argument("--no-classic", action="store_true", help="skip the classic loop")
    ap.add_argument("--out", default=os.path.join(TOP, "bench/out/recovery.json"))
    args = ap.parse_args()
    os.makedirs(os.path.dirname(args.out), exist_ok=True)
    stop_reaper = become_subreaper()
    results = {}
    builds = [spec.split("=", 1) for spec in args.keepwatch or ["keepwatch=" + TOP]]
    watchdogs = []
    for hold in args.hold_vip.split(","):
        for name, tree in builds:
            launcher = os.path.join(os.path.abspath(tree), "scripts/keepwatch")
            watchdogs.append(("%s hold-vip=%s" % (name, hold),
                              lambda p, r, g, h=hold, l=launcher: bench_keepwatch(p, r, g, h, l)))
    if not args.no_classic:
        watchdogs.append(("classic", bench_classic))
    for name, fn in watchdogs:
        prefix = tempfile.mkdtemp(prefix="keepwatch-recovery.")
        results[name] = fn(prefix, args.runs, args.give_up)
        shutil.rmtree(prefix, ignore_errors=True)
    stop_reaper.set()
    cb.save_results(args.out, results)
    for name, faults in results.items():
        for fault, values in faults.items():
            if fault.endswith("_check503"):
                ms = [v * 1000 for v in values]
                print("%-22s %-8s /check answered 503 for: median %.0f ms, max %.0f ms; all: %s"
                      % (name, fault[:-len("_check503")], statistics.median(ms), max(ms), ["%.0f" % v for v in ms]))
                continue
            ok = [v * 1000 for v in values if v is not None]
            lost = len(values) - len(ok)
            text = "median %.0f ms, max %.0f ms" % (statistics.median(ok), max(ok)) if ok else "never"
            print("%-22s %-8s serving again after: %s; not back within %ss: %d of %d; all: %s" % (
                name, fault, text, args.give_up, lost, len(values),
                ["%.0f" % (v * 1000) if v is not None else "-" for v in values]))


if __name__ == "__main__":
    sys.exit(main())
