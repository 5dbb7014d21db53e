"""What the lab (scripts/lab) and the benches (bench/*.py) share: a real nginx in a prefix of its
own with a stub_status location, a free loopback port, bounded waits, and the few /proc reads
that tell whether a pid is still a running process.

One Python helper for a real nginx, as the Java tests have one (agent/src/test/.../RealNginx.java)
and the shell scripts theirs (scripts/lib.sh). Standard library only, for Debian's
/usr/bin/python3: the lab runs as root from a checkout, where nothing is installed. Callers put
this file's directory on sys.path (see scripts/lab/lab and bench/check_bench.py).
"""
import os
import shutil
import signal
import socket
import subprocess
import time

# root's PATH has /usr/sbin; a user's may not, and Debian's nginx lives there.
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
WORKERS = 2
STATES_NOT_RUNNING = ("Z", "X")  # zombie, dead: the pid exists but the process does nothing


def free_port():
    """A TCP port on 127.0.0.1 that the kernel says is free now (another process could take it
    before the caller binds it: rare enough on a test machine to not be worth a retry loop)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(what, seconds, condition, step=0.05):
    """Calls condition every `step` seconds until it returns something true, and returns that.
    Raises TimeoutError naming `what` after `seconds`, so no wait anywhere is unbounded."""
    deadline = time.monotonic() + seconds
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out after {seconds} s waiting for {what}")
        time.sleep(step)


def stat_state(stat_text):
    """The state letter (R, S, T, Z, ...) in the text of /proc/PID/stat, or None for no text. The
    command name before it is in parentheses and may hold spaces: read after the last ')'."""
    if ")" not in stat_text:
        return None
    fields = stat_text.rsplit(")", 1)[1].split()
    return fields[0] if fields else None


def is_running(pid):
    """True when pid is a process of this pid namespace that is neither gone nor a zombie."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return stat_state(f.read()) not in (None,) + STATES_NOT_RUNNING
    except OSError:
        return False


def children_of(pid):
    """The pids of a process's children ([] when it is gone)."""
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as f:
            return [int(p) for p in f.read().split()]
    except OSError:
        return []


def read_pidfile(path):
    """The positive pid written in path, or None (missing, empty, garbage): a pid of 0 or -1
    must never reach kill, where it would signal a whole group or every process."""
    try:
        with open(path) as f:
            text = f.read().strip()
    except OSError:
        return None
    return int(text) if text.isdigit() and int(text) > 0 else None


def send_signal(pid, sig):
    """Signals pid; a process that is already gone is not an error."""
    try:
        os.kill(pid, sig)
    except ProcessLookupError:
        pass


def nginx_conf(prefix, listen, page, daemon, healthz=False):
    """nginx.conf for an nginx confined to `prefix` (pidfile, logs and temp files inside it, so no
    root-owned default path is needed): WORKERS workers, `page` on /, stub_status on
    /nginx_status for 127.0.0.1 only. daemon False keeps the master in the foreground, so the
    process that starts it knows its pid without the pidfile and reaps it. healthz: a /healthz
    location that serves the file html/healthz, and answers 403 at once while it is absent (a
    health page that fails while nginx itself serves, without touching nginx.conf)."""
    tmp = f"{prefix}/tmp"
    foreground = "" if daemon else "daemon off;\n"
    health = f"    location = /healthz {{ root {prefix}/html; try_files /healthz =403; }}\n" if healthz else ""
    return f"""{foreground}worker_processes {WORKERS};
pid {prefix}/nginx.pid;
error_log {prefix}/logs/error.log;
events {{ worker_connections 1024; }}
http {{
  access_log off;
  client_body_temp_path {tmp};
  proxy_temp_path {tmp};
  fastcgi_temp_path {tmp};
  uwsgi_temp_path {tmp};
  scgi_temp_path {tmp};
  server {{
    listen {listen};
    location / {{ return 200 "{page}\\n"; }}
    location = /nginx_status {{ stub_status; allow 127.0.0.1; deny all; }}
{health}  }}
}}
"""


class NginxPrefix:
    """An nginx confined to one directory: its nginx.conf, logs, temp files and pidfile, and the
    command lines that start, test and signal it. It runs nothing itself: the lab runs these
    commands inside a node's namespaces, the benches through RealNginx."""

    def __init__(self, path, listen, page, daemon=True, healthz=False):
        self.path = path
        self.listen = listen
        self.page = page
        self.daemon = daemon
        self.healthz = healthz

    @property
    def conf(self):
        return os.path.join(self.path, "nginx.conf")

    @property
    def pidfile(self):
        return os.path.join(self.path, "nginx.pid")

    def write(self):
        """Creates the prefix and writes nginx.conf (nginx creates its temp directory itself)."""
        os.makedirs(os.path.join(self.path, "logs"), mode=0o755, exist_ok=True)
        with open(self.conf, "w") as f:
            f.write(nginx_conf(self.path, self.listen, self.page, self.daemon, self.healthz))
        if self.healthz:
            os.makedirs(os.path.dirname(self.healthz_file), mode=0o755, exist_ok=True)
            with open(self.healthz_file, "w") as f:
                f.write("ok\n")

    @property
    def healthz_file(self):
        """The file /healthz serves (healthz only): while it is absent, /healthz answers 403."""
        return os.path.join(self.path, "html", "healthz")

    def argv(self, *extra):
        """nginx with this prefix and config, then `extra` (e.g. "-s", "reload")."""
        return [NGINX, "-p", self.path, "-c", self.conf, *extra]

    def config_test_argv(self):
        return [NGINX, "-t", "-q", "-p", self.path, "-c", self.conf]


class RealNginx:
    """A real nginx on a free 127.0.0.1 port, run by this process, answering "hello" on /.

    daemon=False: the master is this process's child (its pid is known without the pidfile and
    it is reaped here). daemon=True: nginx daemonizes as in production, so a watchdog can start
    it again; the master's pid then comes from the pidfile. Every pid is checked alive before it
    is signalled."""

    def __init__(self, prefix, daemon=False):
        self.port = free_port()
        self.files = NginxPrefix(prefix, f"127.0.0.1:{self.port}", "hello", daemon)
        self.files.write()
        self.daemon = daemon
        self.proc = None

    @property
    def prefix(self):
        return self.files.path

    @property
    def pidfile(self):
        return self.files.pidfile

    def argv(self, *extra):
        return self.files.argv(*extra)

    def start(self):
        """Starts nginx; returns when the pidfile is written and every worker runs (10 s at most)."""
        if self.daemon:
            subprocess.run(self.argv(), check=True, timeout=20)
        else:
            self.proc = subprocess.Popen(self.argv(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_until("nginx and its workers", 10,
                   lambda: os.path.exists(self.pidfile) and len(self.workers()) == WORKERS, step=0.002)

    def master_pid(self):
        """The running master's pid, or None (gone, a zombie, never started)."""
        if not self.daemon:
            return self.proc.pid if self.proc and self.proc.poll() is None else None
        pid = read_pidfile(self.pidfile)
        return pid if pid and is_running(pid) else None

    def workers(self):
        master = self.master_pid()
        return children_of(master) if master else []

    def all_pids(self):
        """Master first: a live master whose worker dies forks a replacement, orphaned if the
        master dies next; signalling the master first leaves no such worker unseen."""
        master = self.master_pid()
        return [master] + children_of(master) if master else []

    def signal_all(self, sig):
        """Sends sig to the master, then its workers; returns the pids signalled."""
        pids = self.all_pids()
        for pid in pids:
            send_signal(pid, sig)
        return pids

    def kill_at_once(self):
        """SIGKILL to the master and its workers, the master stopped first so that it cannot fork
        a replacement for a worker that dies before it; returns the pids hit."""
        master = self.master_pid()
        if master is None:
            raise RuntimeError(f"no running nginx master in {self.prefix} to kill")
        send_signal(master, signal.SIGSTOP)
        return self.signal_all(signal.SIGKILL)

    def kill(self):
        """Stops this nginx for good (SIGKILL ends a stopped process too) and reaps its master
        when it is this process's child. Safe to call twice."""
        self.signal_all(signal.SIGKILL)
        if self.proc:
            self.proc.wait(10)
