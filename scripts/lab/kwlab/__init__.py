"""The two-node lab behind scripts/lab/lab, one job per module:

  shell     running a command with a time bound; LabError, what the CLI prints
  state     the state file: what `up` created, so `down` can remove it
  network   the namespaces, the bridge and the addresses
  modes     each mode: which keepalived.conf, whether keepwatch runs, which VIPs
  files     one node's files: nginx prefix, keepwatch.conf, keepalived.conf, pidfiles, logs
  node      one node's processes: its init (pid namespace), nginx, keepalived, keepwatch
  faults    each fault: inject, what `measure` does with it, what `recover` undoes
  package   the keepwatch .deb of the upgrade fault: found, made newer, installed, purged
  measure   the client that requests the VIP, the VIP watchers, the report
  pair      Lab: up, status, fault, recover, measure, down over the two nodes
  cli       the command line

The real nginx parts (prefix, nginx.conf, bounded waits, /proc reads) come from
scripts/testbed.py, which the benches share.
"""
import os

PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__))
LAB_SCRIPT = os.path.join(os.path.dirname(PACKAGE_DIR), "lab")
TOP = os.path.dirname(os.path.dirname(os.path.dirname(PACKAGE_DIR)))
