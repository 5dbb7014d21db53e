#!/usr/bin/env python3
"""bench/footprint.md's figures: what keepwatch costs next to what it replaces, in one run.

Side by side, against one real nginx (temporary prefix, free loopback port, 2 workers):
- keepwatch, one or more builds (--keepwatch NAME=TREE: TREE's scripts/keepwatch and the jar it
  finds, so a baseline tree runs with its own launcher flags), at the shipped probe defaults with
  only addresses and paths changed (restarts off: nginx is never at fault here);
- nginx-prometheus-exporter (Debian's prometheus-nginx-exporter) on the same nginx;
- the classic check `ps -C nginx | wc -l` (bench/classic-check.sh), forked every --classic-every
  seconds as keepalived's vrrp_script would (interval 2 in the tutorials); its CPU is what each
  child used (wait4's rusage: bash, ps and wc).

Phases: start-up (exec to the first 200 UP on /check, --starts times per build, builds taking
turns); warm-up (--warmup-minutes, each of keepwatch and the exporter scraped --scrapes times,
evenly); memory after the warm-up; idle (--idle-seconds, a scrape every --scrape-every seconds, as
Prometheus would); load (wrk -t2 -c200 against nginx for --load-seconds, /check polled every
20 ms: bench/check.md's saturation test, for every build at once). CPU is utime + stime + cutime
+ cstime from /proc/PID/stat (the children waited for count, as the classic's do); per thread,
/proc/PID/task/TID/schedstat (ns). Every loop is bounded; every process is stopped by pid.
Results: bench/out/footprint.json.

usage: bench/footprint_bench.py [--keepwatch NAME=TREE ...] [--warmup-minutes M] [--scrapes N]
                                [--idle-seconds S] [--load-seconds S] [--starts N]
"""
import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import check_bench as cb  # noqa: E402  (Agent, check, save_results)
from metrics_bench import EXPORTER, _listening, scrape_once  # noqa: E402
from testbed import RealNginx, free_port, wait_until  # noqa: E402  (scripts/, put on the path by check_bench)

TOP = cb.TOP
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid):
    """CPU seconds of a process (every thread, the exited ones too) and of the children it has
    waited for (keepwatch's `nginx -T` for the config fingerprint), as the classic check's figure
    counts its ps and wc: utime + stime + cutime + cstime."""
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return sum(int(field) for field in fields[11:15]) / CLOCK_TICKS


def memory(pid):
    """VmRSS, RssAnon, RssFile (KiB) and Threads from /proc/PID/status."""
    wanted = ("VmRSS", "RssAnon", "RssFile", "RssShmem", "Threads")
    found = {}
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            key, _, value = line.partition(":")
            if key in wanted:
                found[key] = int(value.split()[0])
    return found


def threads(pid):
    """{tid: (name, cpu ns)} of a process's threads now."""
    found = {}
    for tid in os.listdir("/proc/%d/task" % pid):
        try:
            with open("/proc/%d/task/%s/comm" % (pid, tid)) as f:
                name = f.read().strip()
            with open("/proc/%d/task/%s/schedstat" % (pid, tid)) as f:
                ns = int(f.read().split()[0])
        except OSError:
            continue  # the thread ended between the listing and the read
        found[tid] = (name, ns)
    return found


def thread_cpu_ms(before, after):
    """CPU ms per thread name between two threads() readings (threads that share a name summed)."""
    by_name = {}
    for tid, (name, ns) in after.items():
        used = ns - before.get(tid, (name, 0))[1]
        by_name[name] = by_name.get(name, 0) + used / 1e6
    return dict(sorted(by_name.items(), key=lambda kv: -kv[1]))


class Classic:
    """Forks bench/classic-check.sh every `every` seconds, as keepalived's vrrp_script does, and
    adds up the CPU each run used (wait4's rusage of that child: bash, ps, wc) and its peak RSS."""

    def __init__(self, every):
        self.every = every
        self.cpu_s = 0.0
        self.runs = 0
        self.max_rss_kib = 0
        self.failures = 0
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def start(self):
        self._thread.start()

    def _loop(self):
        script = os.path.join(TOP, "bench/classic-check.sh")
        while not self._stop.wait(self.every):
            pid = os.posix_spawn(script, [script], os.environ)
            _, status, usage = os.wait4(pid, 0)
            with self._lock:
                self.cpu_s += usage.ru_utime + usage.ru_stime
                self.runs += 1
                self.max_rss_kib = max(self.max_rss_kib, usage.ru_maxrss)
                self.failures += os.waitstatus_to_exitcode(status) != 0

    def cpu(self):
        with self._lock:
            return self.cpu_s

    def stop(self):
        self._stop.set()
        self._thread.join(self.every + 10)


class Exporter:
    def __init__(self, nginx):
        self.port = free_port()
        self.proc = subprocess.Popen([EXPORTER, "-nginx.scrape-uri", "http://127.0.0.1:%d/nginx_status" % nginx.port,
                                      "-web.listen-address", "127.0.0.1:%d" % self.port],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_until("exporter listening", 10, lambda: _listening(self.port))

    def stop(self):
        self.proc.kill()
        self.proc.wait(10)


def parse_builds(specs):
    """NAME=TREE pairs; the default is this tree, named 'keepwatch'."""
    builds = []
    for spec in specs or ["keepwatch=" + TOP]:
        name, _, tree = spec.partition("=")
        launcher = os.path.join(os.path.abspath(tree), "scripts/keepwatch")
        if not name or not os.path.isfile(launcher):
            raise SystemExit("--keepwatch %s: want NAME=TREE with TREE/scripts/keepwatch" % spec)
        builds.append((name, launcher))
    return builds


def start_ups(builds, nginx, prefix, starts):
    """Seconds from exec to the first 200 UP, `starts` times per build, the builds taking turns."""
    times = {name: [] for name, _ in builds}
    for i in range(starts):
        for name, launcher in builds:
            agent = cb.Agent(os.path.join(prefix, "start-%s-%d" % (name, i)), nginx, launcher)
            try:
                times[name].append(agent.start())
            finally:
                agent.stop()
                agent.log.close()
    return times


def scrape_targets(targets, count, seconds):
    """Scrapes each (name, port) `count` times, spread evenly over `seconds`."""
    end = time.monotonic() + seconds
    for i in range(count):
        for _, port in targets:
            scrape_once(port)
        wait = (end - time.monotonic()) / max(1, count - i)
        if wait > 0:
            time.sleep(wait)


def window(agents, exporter, classic, seconds, during):
    """CPU (s) of every party and per-thread CPU of each agent over `seconds`, while `during(end)`
    runs (it must return by `end`)."""
    pids = {name: a.proc.pid for name, a in agents.items()}
    pids["exporter"] = exporter.proc.pid
    cpu0 = {name: cpu_seconds(pid) for name, pid in pids.items()}
    threads0 = {name: threads(a.proc.pid) for name, a in agents.items()}
    classic0 = classic.cpu()
    t0 = time.monotonic()
    extra = during(t0 + seconds)
    remaining = t0 + seconds - time.monotonic()
    if remaining > 0:
        time.sleep(remaining)
    elapsed = time.monotonic() - t0
    result = {name: {"cpu_ms_per_min": (cpu_seconds(pid) - cpu0[name]) * 1000 * 60 / elapsed}
              for name, pid in pids.items()}
    result["classic"] = {"cpu_ms_per_min": (classic.cpu() - classic0) * 1000 * 60 / elapsed}
    for name, a in agents.items():
        per_thread = thread_cpu_ms(threads0[name], threads(a.proc.pid))
        result[name]["threads_cpu_ms_per_min"] = {k: v * 60 / elapsed for k, v in per_thread.items()}
    result["seconds"] = elapsed
    result["during"] = extra
    return result


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--keepwatch", action="append", metavar="NAME=TREE",
                    help="a keepwatch build to run (repeat for a baseline); default: this tree")
    ap.add_argument("--starts", type=int, default=5)
    ap.add_argument("--warmup-minutes", type=float, default=10)
    ap.add_argument("--scrapes", type=int, default=10000, help="per target, during the warm-up")
    ap.add_argument("--idle-seconds", type=float, default=300)
    ap.add_argument("--scrape-every", type=float, default=15, help="seconds, while idle and loaded")
    ap.add_argument("--load-seconds", type=float, default=60)
    ap.add_argument("--classic-every", type=float, default=2)
    ap.add_argument("--out", default=os.path.join(TOP, "bench/out/footprint.json"))
    args = ap.parse_args()
    builds = parse_builds(args.keepwatch)
    prefix = tempfile.mkdtemp(prefix="keepwatch-footprint.")
    nginx = RealNginx(prefix)
    agents, exporter, classic = {}, None, Classic(args.classic_every)
    results = {"builds": dict(builds), "classic_every_s": args.classic_every}
    try:
        nginx.start()
        results["start_to_up_s"] = start_ups(builds, nginx, prefix, args.starts)
        for name, launcher in builds:
            agents[name] = cb.Agent(os.path.join(prefix, name), nginx, launcher)
            agents[name].start()
        exporter = Exporter(nginx)
        classic.start()
        targets = [(name, a.port) for name, a in agents.items()] + [("exporter", exporter.port)]
        scrape_targets(targets, args.scrapes, args.warmup_minutes * 60)
        results["after_warmup"] = {name: memory(a.proc.pid) for name, a in agents.items()}
        results["after_warmup"]["exporter"] = memory(exporter.proc.pid)
        results["scrapes_in_warmup"] = args.scrapes

        def scrape_now_and_then(end):
            while time.monotonic() + args.scrape_every < end:
                for _, port in targets:
                    scrape_once(port)
                time.sleep(args.scrape_every)
            return None

        results["idle"] = window(agents, exporter, classic, args.idle_seconds, scrape_now_and_then)

        for a in agents.values():
            a.log.flush()
        log_from = {name: os.path.getsize(os.path.join(prefix, name, "agent.log")) for name in agents}

        def saturate(end):
            wrk = subprocess.Popen(["wrk", "-t2", "-c200", "-d%ds" % int(end - time.monotonic()),
                                    "http://127.0.0.1:%d/" % nginx.port],
                                   stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
            polls, bad = 0, {name: 0 for name in agents}
            next_scrape = time.monotonic() + args.scrape_every
            while time.monotonic() < end - 0.1:
                polls += 1
                for name, a in agents.items():
                    bad[name] += cb.check(a.port) != 200
                if time.monotonic() > next_scrape:
                    for _, port in targets:
                        scrape_once(port)
                    next_scrape += args.scrape_every
                time.sleep(0.02)
            out, _ = wrk.communicate(timeout=60)
            rate = next((line.split(":")[1].strip() for line in out.splitlines()
                         if line.startswith("Requests/sec")), "?")
            return {"polls": polls, "non_200": bad, "wrk_requests_per_s": rate}

        results["load"] = window(agents, exporter, classic, args.load_seconds, saturate)
        results["end"] = {name: memory(a.proc.pid) for name, a in agents.items()}
        results["end"]["exporter"] = memory(exporter.proc.pid)
        results["classic_runs"] = {"runs": classic.runs, "failed": classic.failures,
                                   "max_rss_kib": classic.max_rss_kib}
        results["processes_on_machine"] = sum(1 for p in os.listdir("/proc") if p.isdigit())
    finally:
        classic.stop()
        if exporter:
            exporter.stop()
        for a in agents.values():
            a.stop()
        nginx.kill()
    for name in agents:
        with open(os.path.join(prefix, name, "agent.log")) as f:
            f.seek(log_from[name])
            during = f.read()
        results["load"]["during"][name + "_log"] = {"verdict_changes": during.count("verdict: "),
                                                     "probe_failures": during.count("failed (1 of")}
    cb.save_results(args.out, results)
    report(results, list(agents))
    shutil.rmtree(prefix, ignore_errors=True)


def report(r, names):
    for name in names:
        s = r["start_to_up_s"][name]
        print("%-12s start to first UP: median %.3f s (%s)" % (name, statistics.median(s),
                                                               " ".join("%.3f" % x for x in s)))
    print("after %s scrapes: %s" % (r["scrapes_in_warmup"], "; ".join(
        "%s RSS %.1f MiB (anon %.1f, file %.1f), %d threads" % (
            n, m["VmRSS"] / 1024, m["RssAnon"] / 1024, m["RssFile"] / 1024, m["Threads"])
        for n, m in r["after_warmup"].items())))
    for phase in ("idle", "load"):
        w = r[phase]
        print("%s (%.0f s): CPU ms per minute: %s" % (phase, w["seconds"], ", ".join(
            "%s %.0f" % (n, w[n]["cpu_ms_per_min"]) for n in names + ["exporter", "classic"])))
        for n in names:
            top = list(w[n]["threads_cpu_ms_per_min"].items())[:8]
            print("   %-12s by thread: %s" % (n, ", ".join("%s %.0f" % kv for kv in top)))
    print("load: %s" % r["load"]["during"])
    print("classic: %s; processes on the machine: %d" % (r["classic_runs"], r["processes_on_machine"]))


if __name__ == "__main__":
    sys.exit(main())
