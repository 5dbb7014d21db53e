"""Where one node's files live, and what the lab writes there."""
import json
import os
import shutil

from testbed import NGINX, NginxPrefix

from . import TOP
from .modes import CLASSIC_CHECK_SCRIPT, agent_process_name

AGENT_PORT = 9523  # keepwatch's default: the examples' vrrp_script reaches it there


class NodeFiles:
    """One node's directory, DIR/NODE: nginx's prefix (nginx/), the run/ directory the example
    keepalived.conf files name instead of /run/keepwatch/ (track file, notify FIFO, control
    socket, pidfiles), keepwatch.conf, keepalived.conf and the logs. DIR/bin holds the check
    scripts keepalived runs."""

    def __init__(self, lab_dir, node):
        self.node = node
        self.dir = os.path.join(lab_dir, node)
        self.bin_dir = os.path.join(lab_dir, "bin")
        self.run_dir = os.path.join(self.dir, "run")
        # Port 80 on every address: the client reaches it through the VIP; /nginx_status from
        # inside the node only. The page is the node's name, so the client sees who serves.
        # /healthz is the agent's http probe (a fault turns it to 403 without touching nginx).
        self.nginx = NginxPrefix(os.path.join(self.dir, "nginx"), "80", node, daemon=True, healthz=True)

    def path(self, *parts):
        return os.path.join(self.dir, *parts)

    def in_run(self, name):
        return os.path.join(self.run_dir, name)

    @property
    def agent_conf(self):
        return self.path("keepwatch.conf")

    @property
    def keepalived_conf(self):
        return self.path("keepalived.conf")

    def write(self, mode):
        os.makedirs(self.run_dir, mode=0o755, exist_ok=True)
        self.nginx.write()
        keepalived_conf = mode.keepalived_conf(self.node, self)
        with open(self.keepalived_conf, "w") as f:
            f.write(keepalived_conf)
        with open(self.agent_conf, "w") as f:
            f.write(self.agent_conf_text(mode, agent_process_name(self.node) in keepalived_conf))

    def agent_conf_text(self, mode, watched_by_keepalived):
        """keepwatch.conf: the shipped defaults but for this node's paths, as the example
        keepalived.conf files ask: the track file and the degraded file (in the track-file
        modes), keepalived's pidfile, the notify FIFO, and the agent's process name where
        keepalived watches it. The http probe asks /healthz; the restart command is
        scripts/nginx-hard-restart (a hung nginx included) with this node's nginx."""
        restart = [os.path.join(TOP, "scripts", "nginx-hard-restart"), self.nginx.pidfile] + self.nginx.argv()
        track = self.in_run("track") if mode.agent_writes_track_file else ""
        degraded = self.in_run("degraded") if mode.agent_writes_track_file else ""
        process = agent_process_name(self.node) if watched_by_keepalived else ""
        return "\n".join([
            "keepwatch {",
            f'  http.listen = "127.0.0.1:{AGENT_PORT}"',
            f'  control.socket = "{self.in_run("keepwatch.sock")}"',
            "  nginx {",
            f'    pidfile = "{self.nginx.pidfile}"',
            f"    config-test = {json.dumps(self.nginx.config_test_argv())}",
            f"    restart = {json.dumps(restart)}",
            "  }",
            '  probes.home { kind = http, url = "http://127.0.0.1/healthz" }',
            f'  track-file {{ path = "{track}", degraded-path = "{degraded}" }}',
            "  keepalived {",
            f'    notify-fifo = "{self.in_run("vrrp.fifo")}"',
            f'    pidfile = "{self.in_run("keepalived.pid")}"',
            f'    track-process = "{process}"',
            "  }",
            "}", ""])


def write_check_scripts(bin_dir):
    """The scripts keepalived runs: keepwatch-check and the classic check. keepalived's script
    security wants root-owned scripts in root-owned directories, hence copies here."""
    os.makedirs(bin_dir, mode=0o755, exist_ok=True)
    shutil.copy(os.path.join(TOP, "scripts", "keepwatch-check"), os.path.join(bin_dir, "keepwatch-check"))
    with open(os.path.join(bin_dir, "classic-check"), "w") as f:
        f.write(CLASSIC_CHECK_SCRIPT.replace("NGINX", NGINX))
    for script in ("keepwatch-check", "classic-check"):
        os.chmod(os.path.join(bin_dir, script), 0o755)
