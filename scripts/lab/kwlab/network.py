"""The lab's network: a namespace per host and a bridge between them, nothing on the machine's own."""
from .shell import run

SUBNET = "192.0.2"  # TEST-NET-1 (RFC 5737): never routed, so never someone else's address
HOSTS = {"node1": SUBNET + ".1", "node2": SUBNET + ".2", "client": SUBNET + ".100"}
NODES = ("node1", "node2")
VIPS = {"VI_1": SUBNET + ".10", "VI_2": SUBNET + ".11"}
SWITCH = "switch"


class Network:
    """One network namespace per host (node1, node2, client), each with an eth0 whose veth peer
    sits on a bridge in a fourth namespace, the "switch". Every namespace is recorded in the
    state as soon as it exists, so `down` deletes it whatever happens next."""

    def __init__(self, name, state):
        self.name = name
        self.state = state

    def namespace(self, host):
        return f"{self.name}-{host}"

    def create(self):
        for host in (SWITCH,) + tuple(HOSTS):
            run("ip", "netns", "add", self.namespace(host))
            self.state.add_namespace(self.namespace(host))
        self.add_bridge()
        for host, address in HOSTS.items():
            self.plug(host, address)

    def add_bridge(self):
        switch = self.namespace(SWITCH)
        run("ip", "-n", switch, "link", "add", "br0", "type", "bridge")
        run("ip", "-n", switch, "link", "set", "br0", "up")

    def plug(self, host, address):
        """A veth pair: `host` on the bridge, eth0 with `address` in the host's namespace."""
        switch = self.namespace(SWITCH)
        inside = self.namespace(host)
        run("ip", "-n", switch, "link", "add", host, "type", "veth", "peer", "name", "eth0", "netns", inside)
        run("ip", "-n", switch, "link", "set", host, "master", "br0", "up")
        run("ip", "-n", inside, "addr", "add", f"{address}/24", "dev", "eth0")
        run("ip", "-n", inside, "link", "set", "eth0", "up")
        run("ip", "-n", inside, "link", "set", "lo", "up")

    def delete(self):
        for namespace in self.state.namespaces():
            run("ip", "netns", "del", namespace, check=False)

    def vips_held(self, node, vips):
        """The instances (of vips: instance -> address) whose address is on the node's eth0."""
        out = run("ip", "-n", self.namespace(node), "-o", "-4", "addr", "show", "dev", "eth0", check=False)
        return sorted(instance for instance, vip in vips.items() if f" {vip}/" in out)

    def in_client(self, *argv):
        """argv run inside the client's namespace."""
        return ["ip", "netns", "exec", self.namespace("client"), *argv]

    def client_sees(self, instance):
        """The page the client gets from the VIP of instance (the node's name), or None."""
        out = run(*self.in_client("curl", "-s", "-m", "1", f"http://{VIPS[instance]}/"), check=False, timeout=5)
        return out.strip() or None
