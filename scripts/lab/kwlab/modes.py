"""The lab's modes: a table of what differs between them, one entry a mode.

A mode says which keepalived.conf each node gets, whether keepwatch runs beside nginx (and
writes a track file), which VIPs exist and whether a VIP goes back to its configured master.
A new mode is one more entry in MODES (with its example files under examples/keepalived/).
"""
import os
import re
from dataclasses import dataclass
from typing import Callable, Tuple

from . import TOP
from .network import VIPS


# keepalived's vrrp_track_process listens to the kernel's process-events connector, which
# answers only sockets of the initial network namespace (connector.c creates its netlink
# socket in init_net; elsewhere "Failed to set/clear process event listen - errno 111" and the
# instance stays FAULT: keepalived issue #1469). A lab node lives in a network namespace of its
# own, so the lab runs the same watch as a vrrp_script: pgrep for the agent's process name
# every second, and the instance goes to FAULT after 3 failed looks (2 to 3 s after the agent
# is gone, where the example's "delay 3" says 3 s). Everything else in the example runs as is.
TRACK_PROCESS = re.compile(r"vrrp_track_process (\w+) \{\n\s*process (\S+)\n\s*delay (\d+)\n\}")
TRACK_PROCESS_AS_SCRIPT = """vrrp_script {watch} {{   # the lab's stand-in for vrrp_track_process (kwlab/modes.py)
    script "/usr/bin/pgrep -x {process}"
    interval 1
    fall {delay}
    rise 1
}}"""
# pgrep needs no privileges; without a script_user keepalived looks for a "keepalived_script"
# user and warns that there is none.
SCRIPT_USER = "global_defs {\n    script_user nobody nogroup\n    enable_script_security\n"


def agent_process_name(node):
    """The agent's process name on the node (KEEPWATCH_PROCESS_NAME): one per node, as two
    agents on one machine need (keepalived's vrrp_track_process sees every process of the
    machine; the lab's stand-in only the node's, in its own pid namespace)."""
    return f"keepwatch-{node}"


def from_examples(node1_example, node2_example, advert_int=None):
    """keepalived.conf from examples/keepalived/, only paths and names changed to the node's own
    (the examples' interface, eth0, and addresses are the lab's): /run/keepwatch/ is the node's
    run directory, keepwatch-check is the lab's copy and reads the node's lease, the agent's
    process is the node's; vrrp_track_process runs as a vrrp_script (see TRACK_PROCESS).
    advert_int: another advert interval than the examples' (bench/failover.md weighs them)."""
    examples = {"node1": node1_example, "node2": node2_example}

    def render(node, files):
        with open(os.path.join(TOP, "examples", "keepalived", examples[node])) as f:
            text = f.read()
        text = text.replace("/run/keepwatch/", files.run_dir + "/")
        if advert_int:
            text = re.sub(r"\badvert_int \S+", f"advert_int {advert_int}", text)
        check = os.path.join(files.bin_dir, "keepwatch-check")
        text = re.sub(r'"/usr/bin/keepwatch-check([^"]*)"',
                      lambda m: f'"{check}{m.group(1)} --lease {files.in_run("lease")}"', text)
        return watch_agent_by_script(text, agent_process_name(node))

    return render


def watch_agent_by_script(text, process):
    """The example's vrrp_track_process block, if any, as the equivalent vrrp_script watching
    `process` (see TRACK_PROCESS)."""
    match = TRACK_PROCESS.search(text)
    if not match:
        return text
    watch, _, delay = match.groups()
    text = text.replace(match.group(0), TRACK_PROCESS_AS_SCRIPT.format(watch=watch, process=process, delay=delay))
    text = re.sub(r"\btrack_process \{", "track_script {", text)
    if "script_user" not in text:
        text = text.replace("global_defs {\n", SCRIPT_USER, 1)
    return text


def baseline(check_block):
    """keepalived.conf of a check keepwatch is measured against (bench/failover.md), on VI_1."""

    def render(node, files):
        check = check_block.format(bin_dir=files.bin_dir, nginx_prefix=files.nginx.path)
        return BASELINE_KEEPALIVED_CONF.format(
            check=check, state="MASTER" if node == "node1" else "BACKUP",
            priority=100 if node == "node1" else 80, vip=VIPS["VI_1"])

    return render


@dataclass(frozen=True)
class Mode:
    name: str
    keepalived_conf: Callable  # (node, NodeFiles) -> the text of the node's keepalived.conf
    uses_agent: bool = True
    agent_writes_track_file: bool = True
    instances: Tuple[str, ...] = ("VI_1",)
    nopreempt: bool = False  # a VIP stays with whoever holds it, even when its master is back

    def vips(self):
        """instance -> VIP address, for the instances of this mode."""
        return {instance: VIPS[instance] for instance in self.instances}


def configured_master(instance):
    """The node each instance's keepalived.conf prefers: VI_2 is node2's (dual-master)."""
    return "node2" if instance == "VI_2" else "node1"


# The classic check the guides give: any nginx process? If not, start nginx, give it 2 s, and
# fail only if there is still none. ($1: the node's nginx prefix, passed by keepalived.conf.)
CLASSIC_CHECK_SCRIPT = """#!/bin/bash
if [ "$(ps -C nginx --no-heading | wc -l)" -eq 0 ]; then
  NGINX -p "$1" -c "$1/nginx.conf"
  sleep 2
  [ "$(ps -C nginx --no-heading | wc -l)" -gt 0 ] || exit 1
fi
exit 0
"""

CLASSIC_CHECK = """vrrp_script chk_nginx {{
    script "{bin_dir}/classic-check {nginx_prefix}"
    interval 2
    fall 2
    weight -20
}}"""

# The same health page as keepwatch's http probe in the lab (/healthz).
CAREFUL_CHECK = """vrrp_script chk_nginx {{
    script "/usr/bin/curl -sf -m 1 -o /dev/null http://127.0.0.1/healthz"
    interval 1
    fall 2
    rise 2
    weight 0
}}"""

BASELINE_KEEPALIVED_CONF = """global_defs {{
    script_user root
    enable_script_security
}}
{check}
vrrp_instance VI_1 {{
    state {state}
    interface eth0
    virtual_router_id 51
    priority {priority}
    advert_int 1
    virtual_ipaddress {{
        {vip}/24
    }}
    track_script {{
        chk_nginx
    }}
}}
"""

MODES = {mode.name: mode for mode in (
    Mode("track-file", from_examples("track-file-master.conf", "track-file-backup.conf")),
    Mode("track-file-advert-1s", from_examples("track-file-master.conf", "track-file-backup.conf", advert_int="1")),
    Mode("vrrp-script", from_examples("vrrp-script-master.conf", "vrrp-script-backup.conf"),
         agent_writes_track_file=False),
    Mode("dual-master", from_examples("dual-master-node1.conf", "dual-master-node2.conf"),
         instances=("VI_1", "VI_2")),
    Mode("unicast-nopreempt", from_examples("unicast-nopreempt-node1.conf", "unicast-nopreempt-node2.conf"),
         nopreempt=True),
    Mode("classic", baseline(CLASSIC_CHECK), uses_agent=False),
    Mode("careful", baseline(CAREFUL_CHECK), uses_agent=False),
)}
