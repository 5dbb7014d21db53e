"""The faults the lab injects: one small class a fault, listed once in FAULTS.

A new fault is a subclass of Fault with a name and inject(), plus undo() when `lab recover`
must put something back that restarting what does not run would not (a broken file, a stopped
process, a stranger on a port), and during_measurement() when `lab measure` does more than
inject it once. Each method gets the Lab (its network, both nodes, the mode) and the node the
fault is for.
"""
import os
import re
import shutil
import subprocess
import time

from testbed import wait_until

from .network import VIPS


class Fault:
    name = ""

    def inject(self, lab, node):
        """What `lab fault NAME` does to the node."""
        raise NotImplementedError

    def during_measurement(self, lab, node, window):
        """What `lab measure NAME` does at the moment of the fault: inject once, by default. May
        return a running load (with figures() and stop()) whose figures join the report."""
        self.inject(lab, node)
        return None

    def undo(self, lab, node):
        """What `lab recover` puts back first; recover runs every fault's undo, since it does not
        know which faults were injected, so an undo must do nothing where its fault is absent."""


class Stop(Fault):
    name = "stop"

    def inject(self, lab, node):
        node.run_nginx("-s", "stop", check=False)


class Unrecoverable(Fault):
    """A config nginx refuses, then nginx stopped: no restart can bring it back."""
    name = "unrecoverable"

    def inject(self, lab, node):
        conf = node.files.nginx.conf
        shutil.copy(conf, conf + ".good")
        with open(conf, "a") as f:
            f.write("this_is_not_a_directive;\n")
        # nginx -s stop would parse the broken file and refuse: signal the master.
        node.signal_nginx_master("TERM")

    def undo(self, lab, node):
        conf = node.files.nginx.conf
        if os.path.exists(conf + ".good"):
            os.replace(conf + ".good", conf)


class Hung(Fault):
    """Every nginx process stopped (SIGSTOP): they still exist, but nothing answers."""
    name = "hung"

    def inject(self, lab, node):
        node.signal_every_nginx("STOP")

    def undo(self, lab, node):
        node.signal_every_nginx("CONT")


class KillMaster(Fault):
    """SIGKILL to the master only: its workers live on as orphans, holding port 80."""
    name = "kill-master"

    def inject(self, lab, node):
        node.signal_nginx_master("KILL")


class KeepalivedStop(Fault):
    name = "keepalived-stop"

    def inject(self, lab, node):
        pid = node.keepalived_pid()
        node.init.signal("TERM", pid)
        # Done when it has exited (it first drops its VIPs and says goodbye to the peer).
        wait_until(f"{node.name}'s keepalived to exit", 10, lambda: not node.init.is_running(pid))


class Reload(Fault):
    name = "reload"
    TIMES_MEASURED = 5

    def inject(self, lab, node):
        node.run_nginx("-s", "reload")

    def during_measurement(self, lab, node, window):
        """Several reloads spread over the window: one alone may fall where no request does."""
        for _ in range(self.TIMES_MEASURED):
            self.inject(lab, node)
            time.sleep(window / (self.TIMES_MEASURED + 1))
        return None


class Saturate(Fault):
    """Load on the VIP from the client; nothing is done to the node itself."""
    name = "saturate"

    def inject(self, lab, node):
        pass  # the load comes from the client: see during_measurement

    def during_measurement(self, lab, node, window):
        return Wrk(lab.network, window)


class Wrk:
    """wrk in the client's namespace against VI_1: 2 threads, 256 connections, for the window
    less a second (so it has finished when the measuring client does)."""

    def __init__(self, network, window):
        seconds = max(1, int(window) - 1)
        self.proc = subprocess.Popen(
            network.in_client("wrk", "-t2", "-c256", f"-d{seconds}s", f"http://{VIPS['VI_1']}/"),
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, text=True)

    def figures(self, timeout=30):
        """Requests per second and non-2xx answers, once wrk has finished ({} if it said nothing)."""
        out = self.proc.communicate(timeout=timeout)[0]
        if not out:
            return {}
        rate = re.search(r"Requests/sec:\s+([0-9.]+)", out)
        non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
        return {"wrk_requests_per_s": float(rate.group(1)) if rate else None,
                "wrk_non_2xx": int(non_2xx.group(1)) if non_2xx else 0}

    def stop(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=10)


# In the order `lab recover` undoes them: the good config back before stopped processes go on.
FAULTS = {fault.name: fault for fault in (
    Stop(), Unrecoverable(), Hung(), KillMaster(), KeepalivedStop(), Reload(), Saturate())}
