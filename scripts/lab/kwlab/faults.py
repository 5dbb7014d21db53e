"""The faults the lab injects: one small class a fault, listed once in FAULTS.

A new fault is a subclass of Fault with a name and inject(), plus undo() when `lab recover`
must put something back that restarting what does not run would not (a broken file, a stopped
process, a stranger on a port), prepare() when something must be in place before the fault (and
before `lab measure` starts its client), and during_measurement() when `lab measure` does more
than inject it once. Each method gets the Lab (its network, both nodes, the mode) and the node the
fault is for.
"""
import os
import re
import shutil
import subprocess
import time

from testbed import read_pidfile, wait_until

from . import package
from .network import VIPS
from .shell import LabError, run


class Fault:
    name = ""

    def prepare(self, lab, node):
        """What must be in place before the fault; `lab fault` and `lab measure` run it first."""

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


class KeepalivedKill(Fault):
    """SIGKILL of keepalived, both its processes, as the OOM killer or `kill -9` would: nothing
    removes the VIP, which stays on the node's interface while the peer, hearing no adverts,
    takes it too. The main process is stopped first, so it cannot restart its VRRP child."""
    name = "keepalived-kill"

    def inject(self, lab, node):
        main, vrrp = node.keepalived_pid(), node.keepalived_vrrp_pid()
        node.init.signal("STOP", main)
        node.init.signal("KILL", vrrp)
        node.init.signal("KILL", main)
        wait_until(f"{node.name}'s keepalived to be gone", 10,
                   lambda: not node.init.is_running(main) and not node.init.is_running(vrrp), step=0.02)

    def undo(self, lab, node):
        """The VIPs a killed keepalived left on the node's interface go, before it starts again."""
        if node.keepalived_running():
            return
        for instance in lab.vips_held(node.name):
            run("ip", "-n", lab.network.namespace(node.name), "addr", "del", f"{VIPS[instance]}/24", "dev", "eth0",
                check=False)


class KeepalivedPause(Fault):
    """keepalived's VRRP process frozen for 0.5 s (SIGSTOP, SIGCONT), as a starved CPU or a long
    stall would: the master's adverts stop for that long. With advert_int 0.1 that is more than
    3 intervals, so the backup takes over (bench/failover.md: the advert_int trade-off)."""
    name = "keepalived-pause"
    PAUSE_S = 0.5

    def inject(self, lab, node):
        vrrp = node.keepalived_vrrp_pid()
        node.init.signal("STOP", vrrp)
        time.sleep(self.PAUSE_S)
        node.init.signal("CONT", vrrp)

    def undo(self, lab, node):
        node.init.signal("CONT", node.keepalived_vrrp_pid())


class AgentRestart(Fault):
    """keepwatch restarted as `systemctl restart` does: SIGTERM, wait for the exit, start again."""
    name = "agent-restart"

    def inject(self, lab, node):
        node.stop_agent("TERM")
        node.start_agent()


class AgentKillRestart(Fault):
    """keepwatch crashed (SIGKILL) and started again 1 s later, as the unit's Restart=always,
    RestartSec=1s does."""
    name = "agent-kill-restart"
    RESTART_AFTER_S = 1.0

    def inject(self, lab, node):
        node.stop_agent("KILL")
        time.sleep(self.RESTART_AFTER_S)
        node.start_agent()


class AgentKill(Fault):
    """keepwatch killed (SIGKILL) and not started again: gone for good (`lab recover` starts it)."""
    name = "agent-kill"

    def inject(self, lab, node):
        node.stop_agent("KILL")


class Upgrade(Fault):
    """keepwatch upgraded while the client runs: `dpkg -i` of a newer .deb, then the agent
    restarted from the installed package, as the postinst's try-restart does under systemd (the
    lab has no systemd). prepare installs the .deb as built and runs the agent from it (the
    version being upgraded from) and makes the newer .deb; `lab recover` runs the source tree's
    agent again and purges the package, as does `lab down`. A keepwatch package the lab did not
    install is left alone: the fault refuses to run."""
    name = "upgrade"

    def prepare(self, lab, node):
        if not lab.state.package_installed():
            version = package.installed_version()
            if version:
                raise LabError(f"keepwatch {version} is installed on this machine: the upgrade fault leaves it alone")
            lab.state.set_package_installed(True)  # before dpkg: down purges even after a failure halfway
            package.install(package.built_deb())
        self.restart_from_package(node)
        self.newer = package.newer_deb(package.built_deb(), lab.dir)

    def inject(self, lab, node):
        package.install(self.newer)
        self.restart_from_package(node)

    @staticmethod
    def restart_from_package(node):
        """SIGTERM, wait for the exit, start /usr/bin/keepwatch with the environment systemd gives
        the unit (RUNTIME_DIRECTORY: where the launcher puts the link that names the process)."""
        node.stop_agent("TERM")
        node.start_agent(package.LAUNCHER, "-u", "KEEPWATCH_JAR",
                         f"RUNTIME_DIRECTORY={node.files.in_run('runtime')}")

    def undo(self, lab, node):
        if not lab.state.package_installed():
            return
        if node.agent_running():
            node.stop_agent("TERM")
        node.start_agent()
        package.purge()
        lab.state.set_package_installed(False)


def set_health_page(node, present):
    """Puts the node's /healthz file back (200) or away (403 at once: nginx itself still serves /)."""
    page = node.files.nginx.healthz_file
    if present and os.path.exists(page + ".off"):
        os.replace(page + ".off", page)
    elif not present and os.path.exists(page):
        os.replace(page, page + ".off")


class SameErrorBoth(Fault):
    """The health page answers 403 promptly on both nodes while nginx serves everything else:
    a cause the two share (an upstream, the content), which no restart can fix."""
    name = "same-error-both"

    def inject(self, lab, node):
        for each in lab.nodes.values():
            set_health_page(each, present=False)

    def undo(self, lab, node):
        for each in lab.nodes.values():
            set_health_page(each, present=True)


class SameErrorApart(SameErrorBoth):
    """The same shared cause, seen by the peer one probe interval (1 s) after the node: the
    worst case of the agents' independent probe schedules, which the lab's agents (started
    together, so probing in step) would otherwise never show. The node (the master) lowers its
    priority a second before its peer does."""
    name = "same-error-apart"

    def inject(self, lab, node):
        set_health_page(node, present=False)
        time.sleep(1.0)
        for each in lab.nodes.values():
            set_health_page(each, present=False)


class SameErrorOne(Fault):
    """The health page answers 403 promptly on the node only: the peer is healthier."""
    name = "same-error-one"

    def inject(self, lab, node):
        set_health_page(node, present=False)

    def undo(self, lab, node):
        set_health_page(node, present=True)


# A program that is not nginx, holding port 80: it stops nginx itself (SIGTERM to the master
# given) and binds the port the moment nginx lets go of it, before any restart (keepwatch learns
# of nginx's death within tens of milliseconds), so a restart cannot bind. It takes each
# connection and closes it without a word, so a client fails at once, as with nginx stopped.
# (One that never answered would cost every client that reaches it its own timeout, whatever
# keepwatch and keepalived do; one that answered 200 would hide the fault.)
STRANGER = """
import os, socket, sys, time
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
os.kill(int(sys.argv[1]), 15)
deadline = time.monotonic() + 10
while True:
    try:
        s.bind(("", 80))
        break
    except OSError:
        if time.monotonic() > deadline:
            sys.exit("port 80 still taken 10 s after SIGTERM to nginx")
        time.sleep(0.001)
s.listen(128)
while True:
    s.accept()[0].close()
"""


class PortStranger(Fault):
    """nginx stopped, and another program listening on its port 80 before anything restarts it:
    a restart cannot work (nginx's bind fails)."""
    name = "port-stranger"

    def inject(self, lab, node):
        master = node.nginx_pid()
        if not master:
            raise LabError(f"{node.name}: no nginx master to stop")
        node.init.spawn(self.pidfile(node), node.files.path("stranger.log"),
                        "/usr/bin/python3", "-c", STRANGER, str(master))
        wait_until(f"a stranger (python3) listening on {node.name}'s port 80 (nginx was pid {master})", 10,
                   lambda: '"python3"' in node.init.run("ss", "-Htlnp", "sport = :80", check=False), step=0.02)

    def undo(self, lab, node):
        pid = read_pidfile(self.pidfile(node))
        if node.init.is_running(pid):
            node.init.signal("TERM", pid)
            wait_until(f"the stranger on {node.name}'s port 80 to exit", 10, lambda: not node.init.is_running(pid))

    @staticmethod
    def pidfile(node):
        return node.files.in_run("stranger.pid")


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
    Stop(), Unrecoverable(), Hung(), KillMaster(), KeepalivedStop(), Reload(), Saturate(),
    KeepalivedKill(), KeepalivedPause(), AgentRestart(), AgentKillRestart(), AgentKill(), Upgrade(), SameErrorBoth(),
    SameErrorApart(), SameErrorOne(), PortStranger())}
