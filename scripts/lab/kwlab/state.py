"""The lab's state file, DIR/state.json: the mode, and every namespace and process `up` created."""
import json
import os


class LabState:
    """What `up` created, saved after every step: `down` then removes exactly what exists, even
    after an `up` that failed or was killed halfway. The file's keys: mode, name, namespaces
    (names), init and unshare (node -> pid, on the machine's pid namespace for unshare, the
    node's init as the machine sees it), package_installed (the upgrade fault's .deb)."""

    def __init__(self, directory):
        self.file = os.path.join(directory, "state.json")
        self.data = {}
        if os.path.exists(self.file):
            with open(self.file) as f:
                self.data = json.load(f)

    def exists(self):
        return bool(self.data)

    @property
    def mode(self):
        return self.data.get("mode", "track-file")

    def begin(self, mode, name):
        self.data = {"mode": mode, "name": name, "namespaces": [], "init": {}, "unshare": {}}
        self.save()

    def namespaces(self):
        return self.data.get("namespaces", [])

    def add_namespace(self, namespace):
        self.data["namespaces"].append(namespace)
        self.save()

    def init_pid(self, node):
        """The pid of the node's init (PID 1 inside the node), None before it started."""
        return self.data.get("init", {}).get(node)

    def set_init_pid(self, node, pid):
        self.data["init"][node] = pid
        self.save()

    def unshare_pids(self):
        """node -> pid of the `unshare` whose death takes the node's whole pid namespace."""
        return self.data.get("unshare", {})

    def set_unshare_pid(self, node, pid):
        self.data["unshare"][node] = pid
        self.save()

    def package_installed(self):
        """True while the keepwatch .deb the upgrade fault installed is on the machine."""
        return self.data.get("package_installed", False)

    def set_package_installed(self, installed):
        self.data["package_installed"] = installed
        self.save()

    def save(self):
        with open(self.file, "w") as f:
            json.dump(self.data, f, indent=1)

    def forget(self):
        self.data = {}
