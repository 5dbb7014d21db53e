"""Lab: the nginx pair and its client as one thing to bring up, observe, break, mend and remove."""
import json
import os
import shutil
import time

from testbed import wait_until

from . import package
from .faults import FAULTS
from .files import write_check_scripts
from .measure import Measurement
from .modes import MODES, configured_master
from .network import NODES, Network
from .node import Node, stop_unshare
from .shell import LabError
from .state import LabState

UP_S = 30  # how long `up` and `recover` wait for the agents and for the roles as configured
DOWN_GRACE_S = 5  # how long `down` lets the nodes end gracefully before SIGKILL


class Lab:
    """The network and the two nodes of one lab (named `name`, in `directory`), in the mode its
    state file records."""

    def __init__(self, name, directory):
        self.name = name
        self.dir = directory
        self.state = LabState(directory)
        self.network = Network(name, self.state)
        self.nodes = {}
        self.mode = None
        self.use_mode(self.state.mode)

    def use_mode(self, mode_name):
        self.mode = MODES[mode_name]
        self.nodes = {n: Node(n, self.dir, self.network, self.state, self.mode) for n in NODES}

    def require_up(self):
        if not self.state.exists():
            raise LabError(f"no lab is up in {self.dir}; run 'lab up' first")

    # -- up --------------------------------------------------------------------------------
    def up(self, mode_name):
        if self.state.exists():
            raise LabError(f"a lab is already up in {self.dir} (mode {self.mode.name}); run 'lab down' first")
        if mode_name not in MODES:
            raise LabError(f"unknown mode '{mode_name}'; one of: {', '.join(MODES)}")
        os.makedirs(self.dir, mode=0o755, exist_ok=True)
        self.state.begin(mode_name, self.name)
        self.use_mode(mode_name)
        try:
            self.network.create()
            write_check_scripts(os.path.join(self.dir, "bin"))
            for node in self.nodes.values():
                node.start()
            for node in self.nodes.values():
                node.start_keepalived_when_ready()
            self.wait_roles_as_configured(UP_S)
        except BaseException:
            self.down()
            raise

    # -- observing -------------------------------------------------------------------------
    def vips_held(self, node):
        return self.network.vips_held(node, self.mode.vips())

    def node_status(self, node):
        """What `status` says of one node: its VIPs, nginx, keepalived and (with keepwatch) the
        agent's state, its view of each VRRP instance and how many restarts it made."""
        nginx_pid = node.nginx_pid()
        entry = {"vips": self.vips_held(node.name),
                 "nginx_pid": str(nginx_pid) if nginx_pid else None,  # a string, as it always was
                 "keepalived": node.keepalived_running()}
        if self.mode.uses_agent:
            status = node.agent_status() or {}
            entry["agent_state"] = status.get("state")
            entry["agent_vrrp"] = {i: v.get("state") for i, v in status.get("vrrp", {}).items()}
            entry["agent_restarts"] = sum(1 for a in status.get("actions", []) if a.get("action") == "restart")
            entry["agent_keepalived"] = status.get("keepalived")
        return entry

    def status(self):
        return {"mode": self.mode.name,
                "nodes": {name: self.node_status(node) for name, node in self.nodes.items()},
                "client_sees": {i: self.network.client_sees(i) for i in self.mode.vips()}}

    def roles_as_configured(self):
        """Each VIP on its configured master and served by it; with nopreempt, on exactly one
        node (whoever holds it keeps it) and served by that node."""
        for instance in self.mode.vips():
            master = configured_master(instance)
            if self.mode.nopreempt:
                holders = [n for n in NODES if instance in self.vips_held(n)]
                if len(holders) != 1:
                    return False
                master = holders[0]
            if instance not in self.vips_held(master) or self.network.client_sees(instance) != master:
                return False
        return True

    def wait_roles_as_configured(self, seconds):
        try:
            wait_until("the roles as configured (each VIP on its master and served by it)", seconds,
                       self.roles_as_configured, step=0.2)
        except TimeoutError as e:
            raise LabError(f"{e}; now: {json.dumps(self.status())}")

    # -- faults ----------------------------------------------------------------------------
    def fault(self, fault_name, node_name):
        """Injects the fault; returns when it started and ended (seconds since the epoch: what
        the agents' /status timestamps can be compared with)."""
        if fault_name not in FAULTS:
            raise LabError(f"unknown fault '{fault_name}'; one of: {', '.join(FAULTS)}")
        FAULTS[fault_name].prepare(self, self.nodes[node_name])
        started = time.time()
        FAULTS[fault_name].inject(self, self.nodes[node_name])
        return {"fault": fault_name, "node": node_name, "started": started, "done": time.time()}

    def recover(self, node_name, seconds=UP_S):
        """Undoes every fault on the node, starts again what does not run, then waits until the
        agent answers UP and the roles are as configured."""
        node = self.nodes[node_name]
        for fault in FAULTS.values():
            fault.undo(self, node)
        node.ensure_nginx()
        node.ensure_agent()
        node.ensure_keepalived()
        if self.mode.uses_agent:
            node.wait_agent_up(seconds, step=0.2)
        self.wait_roles_as_configured(seconds)

    def measure(self, fault_name, node_name, window, period):
        return Measurement(self, fault_name, node_name, window, period).run()

    # -- down ------------------------------------------------------------------------------
    def down(self):
        """Stops everything by pid (gracefully first), deletes the namespaces and the directory."""
        for name, node in self.nodes.items():
            if self.state.init_pid(name) is None:
                continue
            try:
                node.stop_gracefully()
            except LabError:
                pass
        deadline = time.monotonic() + DOWN_GRACE_S
        for pid in self.state.unshare_pids().values():
            stop_unshare(pid, deadline)
        self.network.delete()
        if self.state.package_installed():
            package.purge()
        if os.path.isdir(self.dir):
            shutil.rmtree(self.dir)
        self.state.forget()
