"""Running a command for the lab: no shell, bounded in time, a failure says what failed."""
import subprocess


class LabError(Exception):
    """A lab step that failed; the CLI prints it as "lab: ..." and exits 1."""


def run(*argv, check=True, timeout=20):
    """Runs argv and returns its stdout. A command that does not finish in `timeout` seconds,
    or (with check) exits non-zero, raises LabError with the command and its stderr."""
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        raise LabError(f"{' '.join(argv)}: no answer in {timeout} s")
    if check and done.returncode != 0:
        raise LabError(f"{' '.join(argv)}: exit {done.returncode}: {(done.stderr or '').strip()}")
    return done.stdout
