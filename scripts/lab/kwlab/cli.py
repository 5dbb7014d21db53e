"""The lab's command line (its usage is the docstring of scripts/lab/lab)."""
import argparse
import json
import os
import re
import sys

from .faults import FAULTS
from .measure import PERIOD_S, request_every
from .modes import MODES
from .network import NODES
from .pair import Lab
from .shell import LabError

EXIT_FAILED = 1
EXIT_USAGE = 64  # sysexits.h EX_USAGE
EXIT_SKIP = 77  # "skipped" to test harnesses: not root here


def period_seconds(text):
    """--period: a request every 5 ms at the finest (a faster client would measure itself)."""
    value = float(text)
    if not 0.005 <= value <= 1.0:
        raise argparse.ArgumentTypeError(f"{text}: between 0.005 and 1 (seconds)")
    return value


def parser(usage):
    p = argparse.ArgumentParser(prog="lab", description=usage, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--name", default="kwlab", help="prefix of the namespaces (default kwlab)")
    p.add_argument("--dir", default=None, help="lab directory (default /run/keepwatch-lab-NAME)")
    sub = p.add_subparsers(dest="command", required=True)
    up = sub.add_parser("up")
    up.add_argument("--mode", default="track-file", choices=list(MODES))
    sub.add_parser("status")
    fault = sub.add_parser("fault")
    fault.add_argument("fault", choices=list(FAULTS))
    fault.add_argument("--node", default="node1", choices=NODES)
    recover = sub.add_parser("recover")
    recover.add_argument("--node", default="node1", choices=NODES)
    measure = sub.add_parser("measure")
    measure.add_argument("fault", choices=list(FAULTS))
    measure.add_argument("--node", default="node1", choices=NODES)
    measure.add_argument("--window", type=float, default=10.0, help="seconds observed after the fault")
    measure.add_argument("--period", type=period_seconds, default=PERIOD_S,
                         help="seconds between the client's requests (0.005-1; default 0.02)")
    sub.add_parser("down")
    client = sub.add_parser("_client")
    client.add_argument("--url", required=True)
    client.add_argument("--seconds", type=float, required=True)
    client.add_argument("--period", type=period_seconds, default=PERIOD_S)
    client.add_argument("--out", required=True)
    return p


def run_command(lab, args):
    """Runs one command on the lab; what it prints goes to stdout as one JSON document."""
    if args.command == "up":
        lab.up(args.mode)
        print(json.dumps(lab.status()))
        return
    if args.command == "down":
        lab.down()
        return
    lab.require_up()
    if args.command == "status":
        print(json.dumps(lab.status()))
    elif args.command == "fault":
        print(json.dumps(lab.fault(args.fault, args.node)))
    elif args.command == "recover":
        lab.recover(args.node)
    elif args.command == "measure":
        print(json.dumps(lab.measure(args.fault, args.node, args.window, args.period)))


def main(argv, usage):
    args = parser(usage).parse_args(argv)
    if args.command == "_client":
        request_every(args.url, args.seconds, args.out, args.period)
        return 0
    if os.geteuid() != 0:
        print("lab: needs root (network namespaces)", file=sys.stderr)
        return EXIT_SKIP
    if not re.fullmatch(r"[a-z][a-z0-9]{0,9}", args.name):
        print(f"lab: --name '{args.name}': 1-10 lowercase letters and digits, starting with a letter", file=sys.stderr)
        return EXIT_USAGE
    lab = Lab(args.name, args.dir or f"/run/keepwatch-lab-{args.name}")
    try:
        run_command(lab, args)
    except (LabError, TimeoutError) as e:
        print(f"lab: {e}", file=sys.stderr)
        return EXIT_FAILED
    return 0
