"""`lab measure`: a client requests the VIP while a fault happens; one report of what it saw."""
import json
import os
import random
import subprocess
import threading
import time
import urllib.request
from datetime import datetime

from . import LAB_SCRIPT
from .faults import FAULTS
from .network import NODES, VIPS
from .shell import LabError

PERIOD_S = 0.02  # the default; `lab measure --period` for a finer look at a short outage
TIMEOUT_S = 1.0  # the client's timeout per request
COUNTED_BEFORE_FAULT_S = 0.5  # requests this long before the fault still count


def request_every(url, seconds, out, period=PERIOD_S):
    """The measuring client (`lab _client`, run in the client's namespace): requests url every
    `period` seconds (20 ms by default), a new connection each with a 1 s timeout, for `seconds`;
    writes one JSON line per request with its start on the monotonic clock, which the VIP
    watchers use too."""
    start = time.monotonic()
    n = 0
    with open(out, "w") as f:
        while time.monotonic() - start < seconds and n < seconds / period + 1:
            t = time.monotonic()
            ok, body = False, ""
            try:
                with urllib.request.urlopen(url, timeout=TIMEOUT_S) as response:
                    body = response.read(64).decode("ascii", "replace").strip()
                    ok = response.status == 200
            except Exception as e:  # every failure is a data point, whatever its kind
                body = type(e).__name__
            f.write(json.dumps({"t": t, "elapsed": time.monotonic() - t, "ok": ok, "body": body}) + "\n")
            n += 1
            time.sleep(max(0.0, start + n * period - time.monotonic()))


class AddressWatcher:
    """`ip monitor address` in one namespace: when the VIP was added or deleted there, on the
    monotonic clock the client also uses (events, not polling: no process per sample)."""

    def __init__(self, namespace, vip):
        self.events = []
        self.vip = vip
        self.proc = subprocess.Popen(["ip", "-n", namespace, "-o", "monitor", "address"],
                                     stdout=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True)
        self.thread = threading.Thread(target=self.read, daemon=True)
        self.thread.start()

    def read(self):
        for line in self.proc.stdout:
            if f" {self.vip}/" in line:
                self.events.append((time.monotonic(), "del" if line.startswith("Deleted") else "add"))

    def stop(self):
        self.proc.terminate()
        self.proc.wait(timeout=5)
        self.thread.join(timeout=5)


def failure_runs(requests):
    """Each run of failed requests as (start, end): from the start of its first failure to the
    start of the next success (what a client arriving then saw); a run the window ends in lasts
    to the end of the last request. Also says whether the last run was still going."""
    runs = []
    start = None
    for r in requests:
        if not r["ok"]:
            if start is None:
                start = r["t"]
        elif start is not None:
            runs.append((start, r["t"]))
            start = None
    if start is not None:
        runs.append((start, requests[-1]["t"] + requests[-1]["elapsed"]))
    return runs, start is not None


def first_event_ms(events, kind, t0):
    """Milliseconds from t0 to the first event of kind ("add", "del") at or after t0, or None."""
    times = [t - t0 for t, k in events if k == kind and t >= t0]
    return round(times[0] * 1000) if times else None


def summarize(requests, t0, vip_events, faulty_node):
    """The report: client-visible outage (the failure runs), when the VIP left the faulty node
    and reached the other, and whose page the client got."""
    counted = [r for r in requests if r["t"] >= t0 - COUNTED_BEFORE_FAULT_S]
    runs, unresolved = failure_runs(counted)
    other = [n for n in vip_events if n != faulty_node][0]
    served_by = [r["body"] for r in requests if r["ok"] and r["t"] >= t0]
    return {
        "requests": len(counted),
        "failed": sum(1 for r in counted if not r["ok"]),
        # Requests that waited out the client's 1 s timeout: at a move, a SYN sent to the old
        # master's MAC before the new master's gratuitous ARP is lost until TCP resends it (1 s).
        "timeouts": sum(1 for r in counted if not r["ok"] and r["elapsed"] >= TIMEOUT_S - 0.05),
        "outage_ms": round(sum(end - start for start, end in runs) * 1000),
        "longest_gap_ms": round(max((end - start for start, end in runs), default=0.0) * 1000),
        "first_failure_ms": round((runs[0][0] - t0) * 1000) if runs else None,
        # From the fault to the start of the first request that succeeded after the last failed
        # one: serving again. None when no request failed (or the window ended in a failure).
        "served_again_ms": round((runs[-1][1] - t0) * 1000) if runs and not unresolved else None,
        "vip_left_ms": first_event_ms(vip_events[faulty_node], "del", t0),
        "vip_moved_ms": first_event_ms(vip_events[other], "add", t0),
        # Each arrival of the VIP on a node is a move (there and back again: 2).
        "vip_moves": sum(1 for events in vip_events.values() for t, kind in events if kind == "add" and t >= t0),
        "served_at_end": served_by[-1] if served_by and not unresolved else None,
        "served_by": sorted(set(served_by)),
    }


class Measurement:
    """One `lab measure FAULT`: the client requests VI_1 from before the fault to the end of the
    window, both nodes' VIP changes are watched, the fault happens at t0, and the report says
    what the client saw. The fault lands at a random phase of the checks' intervals (1 s, 2 s),
    so no mode gets a lucky or unlucky phase every time."""

    def __init__(self, lab, fault_name, node, window, period=PERIOD_S):
        self.lab = lab
        self.fault = FAULTS[fault_name]
        self.node = node
        self.window = window
        self.period = period
        self.before = 1.0 + random.uniform(0.0, 2.0)
        self.results = os.path.join(lab.dir, "client.jsonl")

    def start_client(self):
        argv = ["/usr/bin/python3", LAB_SCRIPT, "_client", "--url", f"http://{VIPS['VI_1']}/",
                "--seconds", str(self.before + self.window), "--period", str(self.period),
                "--out", self.results]
        return subprocess.Popen(self.lab.network.in_client(*argv), stdin=subprocess.DEVNULL)

    def run(self):
        self.fault.prepare(self.lab, self.lab.nodes[self.node])
        client = self.start_client()
        watchers = {n: AddressWatcher(self.lab.network.namespace(n), VIPS["VI_1"]) for n in NODES}
        load = None
        try:
            time.sleep(self.before)
            t0 = time.monotonic()
            self.fault_at = time.time()
            load = self.fault.during_measurement(self.lab, self.lab.nodes[self.node], self.window)
            if client.wait(timeout=self.before + self.window + 30) != 0:
                raise LabError("the measuring client failed")
            load_figures = load.figures(timeout=30) if load else {}
        finally:
            for watcher in watchers.values():
                watcher.stop()
            if client.poll() is None:
                client.kill()
                client.wait(timeout=10)
            if load:
                load.stop()
        return self.report(t0, {n: w.events for n, w in watchers.items()}, load_figures)

    def report(self, t0, vip_events, load_figures):
        with open(self.results) as f:
            requests = [json.loads(line) for line in f]
        report = summarize(requests, t0, vip_events, self.node)
        report.update({"mode": self.lab.mode.name, "fault": self.fault.name,
                       "period_ms": round(self.period * 1000)})
        report.update(load_figures)
        report["fault_at"] = self.fault_at  # seconds since the epoch, like the agents' timestamps
        if self.lab.mode.uses_agent:
            statuses = {n: node.agent_status() or {} for n, node in self.lab.nodes.items()}
            report["agent_states_after"] = {n: s.get("state") for n, s in statuses.items()}
            since = statuses[self.node].get("since")
            report[f"{self.node}_verdict_since"] = datetime.fromisoformat(since).timestamp() if since else None
        return report
