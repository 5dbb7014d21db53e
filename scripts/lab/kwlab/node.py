"""One node's processes: its init, then nginx, keepwatch and keepalived inside the node."""
import json
import os
import re
import shlex
import shutil
import signal
import subprocess
import time

from testbed import STATES_NOT_RUNNING, children_of, is_running, read_pidfile, stat_state, wait_until

from . import TOP
from .files import AGENT_PORT, NodeFiles
from .modes import agent_process_name
from .shell import LabError, run

KEEPALIVED = shutil.which("keepalived") or "/usr/sbin/keepalived"

# PID 1 of a node's pid namespace: reaps every orphan (killed nginx masters, exited scripts),
# so nothing lingers as a zombie that `ps -C nginx` would still count.
REAPER = """
import os, signal, time
signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
while True:
    try:
        os.wait()
    except ChildProcessError:
        time.sleep(0.2)
"""


def tail(path, lines=15):
    try:
        with open(path, errors="replace") as f:
            return "".join(f.readlines()[-lines:])
    except OSError as e:
        return f"({e})"


def first_child(pid):
    children = children_of(pid)
    return children[0] if children else None


def stop_unshare(pid, deadline):
    """Ends a node's pid namespace: `unshare --kill-child` SIGKILLs the node's init when it dies,
    and the kernel then kills every process left in that namespace. SIGTERM first, SIGKILL at
    the deadline (time.monotonic()) if it is still there."""
    if pid <= 0:
        return  # never kill 0 or -1
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    while time.monotonic() < deadline and is_running(pid):
        time.sleep(0.05)
    try:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, os.WNOHANG)
    except (ProcessLookupError, ChildProcessError):
        pass


class NodeInit:
    """PID 1 of the node's own pid and mount namespaces, inside the node's network namespace, and
    the way in: every command for the node runs through nsenter into those three namespaces, so
    `ps -C nginx` there sees only this node's nginx, as on a real machine. Pids given to and
    returned by these methods are the node's own (as its pidfiles hold them)."""

    def __init__(self, node, network, state):
        self.node = node
        self.network = network
        self.state = state

    def start(self):
        unshare = subprocess.Popen(
            ["ip", "netns", "exec", self.network.namespace(self.node), "unshare", "--pid", "--fork",
             "--mount-proc", "--kill-child", "/usr/bin/python3", "-c", REAPER],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        self.state.set_unshare_pid(self.node, unshare.pid)
        init = wait_until(f"{self.node}'s init", 10, lambda: first_child(unshare.pid))
        self.state.set_init_pid(self.node, init)

    def run(self, *argv, check=True, timeout=20):
        """Runs argv inside the node and returns its stdout."""
        init = self.state.init_pid(self.node)
        return run("nsenter", "-t", str(init), "-n", "-p", "-m", "--", *argv, check=check, timeout=timeout)

    def spawn(self, pidfile, logfile, *argv):
        """Starts argv in the background inside the node, in a session of its own, as a child of
        the node's init; its pid goes to pidfile, its output to logfile."""
        command = shlex.join(argv)
        self.run("sh", "-c", f"setsid {command} </dev/null >>{shlex.quote(logfile)} 2>&1 & "
                             f"echo $! > {shlex.quote(pidfile)}")

    def signal(self, sig, pid):
        """Sends signal `sig` (a name: TERM, KILL, STOP, CONT) to pid inside the node."""
        if not re.fullmatch(r"[1-9][0-9]*", str(pid)):
            return  # never kill 0 or -1
        self.run("kill", f"-{sig}", str(pid), check=False)

    def is_running(self, pid):
        if pid is None:
            return False
        stat = self.run("sh", "-c", f"cat /proc/{pid}/stat 2>/dev/null || true")
        return stat_state(stat) not in (None,) + STATES_NOT_RUNNING


class Node:
    """One node's processes: nginx (daemonized, as in production), keepwatch in the modes that
    use it, and keepalived; each started inside the node and known by its pidfile."""

    def __init__(self, name, lab_dir, network, state, mode):
        self.name = name
        self.mode = mode
        self.files = NodeFiles(lab_dir, name)
        self.init = NodeInit(name, network, state)

    def start(self):
        """The node's init, its files, nginx and keepwatch; keepalived comes later, once both
        nodes' agents answer (see start_keepalived_when_ready)."""
        self.init.start()
        self.files.write(self.mode)
        self.start_nginx()
        if self.mode.uses_agent:
            self.start_agent()

    # -- nginx -----------------------------------------------------------------------------
    def run_nginx(self, *extra, check=True):
        """nginx with the node's prefix (and `extra`, e.g. "-s", "reload"), inside the node."""
        return self.init.run(*self.files.nginx.argv(*extra), check=check)

    def start_nginx(self):
        self.run_nginx()
        wait_until(f"{self.name}'s nginx", 10, self.nginx_pid)

    def nginx_pid(self):
        """The running master's pid (the node's own), or None."""
        pid = read_pidfile(self.files.nginx.pidfile)
        return pid if self.init.is_running(pid) else None

    def nginx_pids(self):
        """Every nginx process in the node, master and workers, orphans included."""
        return self.init.run("pgrep", "-x", "nginx", check=False).split()

    def signal_nginx_master(self, sig):
        self.init.signal(sig, read_pidfile(self.files.nginx.pidfile))

    def signal_every_nginx(self, sig):
        for pid in self.nginx_pids():
            self.init.signal(sig, pid)

    def ensure_nginx(self):
        """Starts nginx again if no master runs; returns when one does (10 s at most)."""
        if not self.nginx_pid():
            # Workers of a killed master still hold port 80: clear them before starting again.
            self.signal_every_nginx("KILL")
            wait_until(f"{self.name}'s old nginx processes gone", 10, lambda: not self.nginx_pids())
            self.run_nginx(check=False)
        wait_until(f"{self.name}'s nginx", 10, self.nginx_pid)

    # -- keepwatch -------------------------------------------------------------------------
    def start_agent(self, launcher=os.path.join(TOP, "scripts", "keepwatch"), *env):
        """The agent, through `launcher` (the source tree's by default), named as keepalived's
        watch expects (KEEPWATCH_PROCESS_NAME); `env`: options of env(1) before that, e.g.
        "-u", "KEEPWATCH_JAR" or "NAME=VALUE". KEEPWATCH_JAR, when the lab's caller sets it,
        reaches the launcher."""
        self.init.spawn(self.files.in_run("agent.pid"), self.files.path("agent.log"),
                        "env", *env, f"KEEPWATCH_PROCESS_NAME={agent_process_name(self.name)}",
                        launcher, "run", "--config", self.files.agent_conf)

    def agent_pid(self):
        """The agent's pid, or None. setsid (not a group leader here), env and the launcher all
        exec, so the pid written at spawn is the JVM's."""
        return read_pidfile(self.files.in_run("agent.pid"))

    def agent_running(self):
        return self.init.is_running(self.agent_pid())

    def stop_agent(self, sig, seconds=15):
        """Signals the agent (TERM, KILL) and returns once it has exited (its shutdown hooks ran)."""
        pid = self.agent_pid()
        self.init.signal(sig, pid)
        wait_until(f"{self.name}'s agent (pid {pid}) to exit after SIG{sig}", seconds,
                   lambda: not self.init.is_running(pid), step=0.02)

    def ensure_agent(self):
        if self.mode.uses_agent and not self.agent_running():
            self.start_agent()

    def agent_get(self, path):
        """GET on the node's agent from inside the node (where 127.0.0.1 is the node):
        (status code, 0 when no answer; body)."""
        out = self.init.run("curl", "-s", "-m", "2", "-o", "-", "-w", "\n%{http_code}",
                            f"http://127.0.0.1:{AGENT_PORT}{path}", check=False, timeout=5)
        body, _, code = out.rpartition("\n")
        return int(code) if code.isdigit() else 0, body

    def agent_check(self):
        return self.agent_get("/check")[0]

    def agent_status(self):
        """The agent's /status document, or None when it does not give one."""
        code, body = self.agent_get("/status")
        try:
            return json.loads(body) if code in (200, 503) else None
        except ValueError:
            return None

    def wait_agent_up(self, seconds, step=0.05):
        try:
            wait_until(f"{self.name}'s agent to answer UP", seconds, lambda: self.agent_check() == 200, step=step)
        except TimeoutError as e:
            raise LabError(f"{e}; the end of {self.files.path('agent.log')}:\n{tail(self.files.path('agent.log'))}")

    # -- keepalived ------------------------------------------------------------------------
    def start_keepalived_when_ready(self):
        """keepalived after the agent answers UP: a track file or check that is not there yet
        would put the instance in FAULT at start and move the VIP for nothing."""
        if self.mode.uses_agent:
            self.wait_agent_up(30)
        self.start_keepalived()

    def start_keepalived(self):
        self.init.spawn(self.files.in_run("keepalived.main.pid"), self.files.path("keepalived.log"),
                        KEEPALIVED, "--dont-fork", "--log-console", "--log-detail", "--vrrp",
                        "--use-file", self.files.keepalived_conf,
                        "--pid", self.files.in_run("keepalived.pid"), "--vrrp_pid", self.files.in_run("vrrp.pid"))
        wait_until(f"{self.name}'s keepalived", 10, self.keepalived_running)

    def keepalived_pid(self):
        """The pid of keepalived's main process (the one that answers SIGTERM), or None."""
        return read_pidfile(self.files.in_run("keepalived.pid"))

    def keepalived_vrrp_pid(self):
        """The pid of keepalived's VRRP process (the one that holds the VIPs), or None."""
        return read_pidfile(self.files.in_run("vrrp.pid"))

    def keepalived_running(self):
        """True while keepalived's VRRP process runs: the one that holds the VIPs."""
        return self.init.is_running(read_pidfile(self.files.in_run("vrrp.pid")))

    def ensure_keepalived(self):
        if not self.keepalived_running():
            self.start_keepalived()

    # -- down ------------------------------------------------------------------------------
    def stop_gracefully(self):
        """SIGTERM to each process, keepalived first: it drops its VIPs and says goodbye to the
        peer, and the agent writes its track file. Whatever is left dies with the node's init."""
        self.init.signal("TERM", self.keepalived_pid())
        self.init.signal("TERM", self.agent_pid())
        self.signal_every_nginx("CONT")
        self.signal_nginx_master("TERM")
