"""The keepwatch .deb the upgrade fault installs: the one `mvn package` built, a newer one made
from it, dpkg to install them, and a purge at the end."""
import glob
import os
import re
import shutil

from . import TOP
from .shell import LabError, run

PACKAGE = "keepwatch"
LAUNCHER = "/usr/bin/keepwatch"  # what the package installs; it runs /usr/share/keepwatch/keepwatch.jar


def built_deb():
    """$KWLAB_DEB, or the newest agent/target/keepwatch_*.deb (what `mvn -B package` built last)."""
    given = os.environ.get("KWLAB_DEB")
    debs = [given] if given else glob.glob(os.path.join(TOP, "agent", "target", "keepwatch_*.deb"))
    debs = [deb for deb in debs if os.path.isfile(deb)]
    if not debs:
        raise LabError("the upgrade needs keepwatch's .deb: `mvn -B package` builds it in agent/target/ "
                       f"(or set KWLAB_DEB{' to a file that exists' if given else ''})")
    return max(debs, key=os.path.getmtime)


def installed_version():
    """The installed keepwatch package's version, or None."""
    out = run("dpkg-query", "-W", "-f=${Status} ${Version}", PACKAGE, check=False)
    return out.split()[-1] if out.startswith("install ok installed") else None


def newer_deb(deb, directory):
    """A copy of `deb` in `directory` whose version is one step higher (VERSION+lab1): the same
    files, and an upgrade to dpkg (prerm upgrade, unpack over the running agent's files,
    postinst configure with the old version)."""
    unpacked = os.path.join(directory, "deb-newer")
    shutil.rmtree(unpacked, ignore_errors=True)
    run("dpkg-deb", "-R", deb, unpacked, timeout=60)
    control = os.path.join(unpacked, "DEBIAN", "control")
    with open(control) as f:
        text = f.read()
    version = re.search(r"^Version: (\S+)$", text, re.M)
    if not version:
        raise LabError(f"{deb}: no Version in its control file")
    newer = f"{version.group(1)}+lab1"
    with open(control, "w") as f:
        f.write(text.replace(version.group(0), f"Version: {newer}"))
    out = os.path.join(directory, f"{PACKAGE}_{newer}_all.deb")
    run("dpkg-deb", "--root-owner-group", "-Zgzip", "-b", unpacked, out, timeout=60)
    shutil.rmtree(unpacked)
    return out


def install(deb):
    run("dpkg", "-i", deb, timeout=120)


def purge():
    run("dpkg", "--purge", PACKAGE, timeout=120)
